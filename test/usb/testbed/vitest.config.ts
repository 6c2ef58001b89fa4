import { defineConfig } from 'vitest/config';

// `npm run test:usb`: the QEMU test bed only (the unit tests are `npm test`).
export default defineConfig({
  test: {
    include: ['test/usb/testbed/testbed.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 26 * 60_000,
    pool: 'forks',
  },
});
