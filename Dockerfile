# The tim-friend-import image: the `friend-import` CLI, whose `worker`, `emulator` and
# `codec-server` commands the compose stack runs (docker-compose.yml).
#
#   docker build -t tim-friend-import .
#   docker run --rm tim-friend-import --help

# Build stage: the full image has python3, make and g++ in case better-sqlite3 has to compile.
FROM node:20.20.2-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: our own `prepare` (tsc) needs the sources, which come later so that this
# layer stays cached while only sources change; `npm rebuild` then runs the dependencies' install
# scripts (native modules).
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20.20.2-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Emulator databases and reports go to /data (a volume in docker-compose.yml).
RUN mkdir -p /data && chown node:node /data
USER node
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["--help"]
