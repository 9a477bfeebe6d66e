// One file of the volume: fetched and converted in memory, written only once every object has arrived.

export interface VolumeFile {
  fileName: string;
  content: Buffer;
}
