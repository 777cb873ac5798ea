# Orkestr production image: `docker compose up` builds it.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY prisma.config.ts ./
# Dev dependencies are kept: the app runs TypeScript through tsx, and prisma generates the client.
RUN npm ci --include=dev && node scripts/ensure-install.mjs
COPY . .
# DATA_DIR (.data): the app's user writes the web chat's session secret there when
# WEBCHAT_SESSION_SECRET is not set; docker-compose.yml keeps it on a volume.
RUN mkdir -p .data && chown node:node .data
EXPOSE 3000
USER node
CMD ["node", "--import", "tsx", "app/main.ts"]
