# The kv-flexvol installer image: the azure/kv driver executable and the script that
# installs it on each node (deployment/kv-flexvol-installer.yaml runs it as a DaemonSet).
#   docker build -t <registry>/kv-flexvol/installer:<version> .

# Build stage. The driver executable is the node binary of the npm package node-linux-<cpu>
# that package-lock.json pins (scripts/pinnedNode.cjs), with the bundled CLI embedded: npm ci
# installs it and npm run build runs on it. This image's own node, the same release
# (test/dockerfile.test.ts), only runs npm.
FROM node:26.12.1-bookworm AS build
USER node
# The classic builder and kaniko create a missing WORKDIR as root, and npm ci as node then
# fails with EACCES. Made by node first, it is node's whatever the builder.
RUN mkdir /home/node/kv-flexvol
WORKDIR /home/node/kv-flexvol
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY --chown=node:node tsconfig.json ./
COPY --chown=node:node scripts/ scripts/
COPY --chown=node:node src/ src/
# The build trains the executable's code cache with one mount against the local stand-in
# of Azure (scripts/trainingMount.ts); without root only its final mount command fails.
COPY --chown=node:node standin/ standin/
RUN npm run build

# Final stage: a shell, coreutils and util-linux (mountpoint) for install.sh; no Node.js.
# The installer copies the driver to the node; the DaemonSet's refresher container runs it
# here as `kv refresh`. The executable links libc, libstdc++ and libgcc_s, which this base
# has, and libatomic (Node.js 26), which it lacks: installed, pinned as the base is.
FROM debian:12.12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libatomic1=12.2.0-14+deb12u1 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /home/node/kv-flexvol/dist/azure~kv/kv /opt/kv-flexvol/azure~kv/kv
COPY installer/install.sh /opt/kv-flexvol/install.sh
# Non-root by default, so the image does nothing harmful wherever it runs. The DaemonSet runs
# it as uid 0 on purpose: kubelet's plugin dir on the node is root-owned 0755 and only its
# owner may write there (no capability is needed, and the DaemonSet drops them all).
USER 65532:65532
ENTRYPOINT ["/opt/kv-flexvol/install.sh"]
