# syntax=docker/dockerfile:1
#
# ML Workbench Service image.
#   docker build -t ml-workbench-service:0.1.0 .
#   docker run -p 8005:8005 ml-workbench-service:0.1.0            # embedded database, one process
# Build args:
#   NODE_VERSION  Node.js major of the base image: package.json allows 20-22, but pg-boss 12 and
#                 content-disposition (production dependencies) declare >=22 / >=22.12, so 22
#   TF_NATIVE     which native TensorFlow binding to keep: cpu (@tensorflow/tfjs-node, default),
#                 gpu (@tensorflow/tfjs-node-gpu; needs a CUDA 11.2/cuDNN 8 runtime in the image
#                 and a GPU node) or none (WebAssembly / plain JS backends only)
ARG NODE_VERSION=22

# ---- build: dev dependencies + nest build -> dist/ --------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
# The native engine is a file: dependency (its sources; its types are read by the compiler).
COPY native/fused-rnn ./native/fused-rnn
# No install scripts: the compiler needs none, and the optional native TensorFlow bindings
# (which download libtensorflow) and the native engine (compiled below) are not needed to build.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build \
 && test -f dist/src/main.js \
 && test -f dist/src/training/thread/training-thread.js \
 && test -d dist/src/dashboard/public

# ---- prod-deps: production dependencies only --------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS prod-deps
WORKDIR /app
ENV SCARF_ANALYTICS=false
ARG TF_NATIVE=cpu
ARG TARGETARCH
# The native training engine (native/fused-rnn) is compiled by node-gyp during npm ci: it needs
# python3, make and g++ here (not in the runtime image, which gets only the built addon). Without
# them npm drops that optional dependency and the service trains on the TensorFlow.js path.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# .npmrc: onnxruntime-node's install step must not download CUDA files (it ships its CPU library).
COPY package.json package-lock.json .npmrc ./
COPY native/fused-rnn ./native/fused-rnn
# Optional dependencies are installed (the native TensorFlow bindings download libtensorflow in
# their install scripts; a failure there is tolerated by npm), then the unwanted one is pruned,
# as are WebGPU (Dawn) and ONNX Runtime binaries for other platforms (~110 MB and ~240 MB).
RUN npm ci --omit=dev --no-audit --no-fund \
 && case "$TF_NATIVE" in \
      cpu)  rm -rf node_modules/@tensorflow/tfjs-node-gpu ;; \
      gpu)  rm -rf node_modules/@tensorflow/tfjs-node ;; \
      none) rm -rf node_modules/@tensorflow/tfjs-node node_modules/@tensorflow/tfjs-node-gpu ;; \
      *) echo "TF_NATIVE must be cpu, gpu or none" >&2; exit 1 ;; \
    esac \
 && arch="$(case "${TARGETARCH:-$(dpkg --print-architecture)}" in amd64) echo x64 ;; *) echo "${TARGETARCH:-$(dpkg --print-architecture)}" ;; esac)" \
 && find node_modules/webgpu/dist -mindepth 1 -maxdepth 1 -type d ! -name "linux-${arch}" -exec rm -rf {} + \
 && if [ -d node_modules/onnxruntime-node/bin/napi-v6 ]; then \
      find node_modules/onnxruntime-node/bin/napi-v6 -mindepth 1 -maxdepth 1 -type d ! -name linux -exec rm -rf {} + ; \
      find node_modules/onnxruntime-node/bin/napi-v6/linux -mindepth 1 -maxdepth 1 -type d ! -name "${arch}" -exec rm -rf {} + ; \
    fi \
 && test -f native/fused-rnn/build/Release/fused_rnn.node \
 && find native/fused-rnn/build -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} + \
 && find native/fused-rnn/build/Release -mindepth 1 -maxdepth 1 ! -name fused_rnn.node -exec rm -rf {} + \
 && npm cache clean --force

# ---- runtime ----------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8005 \
    MODEL_REGISTRY_PATH=/var/lib/mlwb/registry
WORKDIR /app
# Code and dependencies stay owned by root (read-only to the service user).
COPY --from=prod-deps /app/node_modules ./node_modules
# node_modules/fused-rnn is a link to ../native/fused-rnn: the addon (build/Release/fused_rnn.node) and its loader.
COPY --from=prod-deps /app/native/fused-rnn ./native/fused-rnn
COPY --from=build /app/dist ./dist
COPY package.json ./
# The registry directory (a volume in Kubernetes) is the only place the service writes, besides /tmp.
RUN mkdir -p /var/lib/mlwb/registry && chown -R 1000:1000 /var/lib/mlwb
# uid/gid 1000 is the base image's `node` user; numeric, so runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8005
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8005)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself (graceful drain, exit 0).
CMD ["node", "dist/src/main.js"]
