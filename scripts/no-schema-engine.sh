#!/bin/sh
# Stand-in for Prisma's native schema engine, which cannot be downloaded offline.
# `prisma generate` only needs PRISMA_SCHEMA_ENGINE_BINARY to point at an executable (generation
# itself runs in Wasm); anything that really needs the engine (`prisma migrate ...`) lands here.
echo "Prisma's schema engine is not available offline: migrations are applied by the app itself (see core/store-prisma)." >&2
exit 1
