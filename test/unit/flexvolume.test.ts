import { FetchError, IdentityError, NotSupportedError, OptionError, VolumeError } from "../../src/errors";
import { answerFor, exitCodeFor, INIT_ANSWER } from "../../src/flexvolume";

describe("answerFor", () => {
  it.each([
    [new OptionError("keyvaultname", "is required"), "invalid volume options: option keyvaultname: is required"],
    [new IdentityError("NMI answered HTTP 404"), "cannot get an access token: NMI answered HTTP 404"],
    [new VolumeError("mount failed"), "volume: mount failed"],
    [
      new FetchError("kv1", [{ object: "secret/a", cause: "not found", detail: "gone" }]),
      "1 object(s) could not be fetched from key vault kv1: secret/a: not found: gone",
    ],
    [new TypeError("boom"), "unexpected error: boom"],
    ["a string", "unexpected error: a string"],
  ])("turns %p into a Failure with a readable message", (error, message) => {
    const answer = answerFor(error);
    expect(answer).toEqual({ status: "Failure", message });
    expect(exitCodeFor(answer)).toBe(1);
  });

  it("answers Not supported for calls the driver does not implement", () => {
    expect(answerFor(new NotSupportedError("call 'attach' is not supported"))).toEqual({
      status: "Not supported",
      message: "call 'attach' is not supported",
    });
  });

  it("never leaks a stack trace", () => {
    const error = new Error("boom");
    expect(JSON.stringify(answerFor(error))).not.toContain("at ");
  });

  it("exits 0 only on success", () => {
    expect(exitCodeFor(INIT_ANSWER)).toBe(0);
  });
});
