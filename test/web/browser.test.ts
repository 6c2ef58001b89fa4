/**
 * The WebUSB page in a real browser: playwright-core driving Debian's Chromium
 * (`/usr/bin/chromium`, installed with apt-get; no browser download), headless, with a
 * fresh profile, on the built page served by `vite preview` on 127.0.0.1.
 *
 * - `?sim=sysmoOCTSIM`: connect, power on slot 3, hello world ("Hello world!" on the page),
 *   take the card out of slot 5 in the emulator and see the page follow (NotifySlotChange),
 *   then download the capture and find the session in it; a screenshot is saved to
 *   `test-artifacts/web-sim.png`.
 * - `?sim=sysmoOCTSIM&protected=1`: Chrome's protected-class SecurityError is explained.
 * - No `sim`, no device: the "no reader" state, also after pressing Connect.
 * No test may leave an uncaught page error.
 *
 * Without Chromium the tests are skipped, except under CI (`CI` set), where they fail
 * with the install command.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractConversation, readPcapHeader, readUsbPackets } from '../../src/pcap/index.ts';
import { toHex } from '../../src/util/hex.ts';
import { buildPage, REPO_ROOT, VITE_CONFIG } from './build-page.ts';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && process.env['CI']) {
  throw new Error(`${CHROMIUM} is missing: the browser test needs Debian's Chromium (apt-get install -y --no-install-recommends chromium), never a downloaded browser`);
}

/** The flags a closed-network CI machine needs (see the machine notes): no background connections at all. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];
const STEP_MS = 15_000;

describe.skipIf(!HAVE_CHROMIUM)('the WebUSB page in Chromium', () => {
  let work: string;
  let server: PreviewServer;
  let context: BrowserContext;
  let base: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'ccid-web-'));
    const outDir = join(work, 'dist');
    await buildPage({ outDir });
    server = await preview({ configFile: VITE_CONFIG, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
    const address = server.httpServer.address();
    if (address === null || typeof address === 'string') throw new Error('vite preview has no TCP address');
    base = `http://127.0.0.1:${address.port}/`;
    context = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 1000 },
      acceptDownloads: true,
    });
    await mkdir(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  /** Opens the page; `errors` collects its uncaught exceptions and unhandled rejections. */
  async function open(query: string): Promise<{ page: Page; errors: string[] }> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`${error.name}: ${error.message}`));
    await page.goto(`${base}${query}`);
    await page.waitForSelector('body[data-ready="true"], #notice .box', { timeout: STEP_MS });
    return { page, errors };
  }

  const text = async (page: Page, selector: string) => (await page.locator(selector).first().textContent()) ?? '';

  it('sim mode: connect, power on slot 3, hello world, card removed from slot 5, capture', { timeout: 45_000 }, async () => {
    const { page, errors } = await open('?sim=sysmoOCTSIM');
    expect(await text(page, '#sim-banner')).toContain('Emulated reader');

    await page.click('#connect');
    const slot3 = page.locator('[data-slot="3"]');
    await slot3.waitFor({ timeout: STEP_MS });
    expect(await text(page, '#reader [data-role="list-status"]')).toBe('should work');
    expect(await text(page, '#reader [data-role="descriptor-dump"] pre')).toContain('bMaxSlotIndex');

    await slot3.locator('[data-action="power-on"]').click();
    await slot3.locator('[data-role="atr"]').waitFor({ timeout: STEP_MS });
    expect(await slot3.locator('[data-role="atr"]').textContent()).toMatch(/^3B( [0-9A-F]{2})+$/);
    await slot3.locator('[data-action="hello"]').click();
    await page.waitForFunction(() => document.querySelector('[data-slot="3"] [data-role="hello-result"]')?.textContent?.includes('Hello world!'), null, { timeout: STEP_MS });
    expect(await page.locator('body').innerText()).toContain('Hello world!');

    const badge5 = page.locator('[data-slot="5"] .badge');
    expect(await badge5.getAttribute('data-state')).toBe('present');
    await page.click('[data-sim-remove="5"]');
    await page.waitForSelector('[data-slot="5"] .badge[data-state="absent"]', { timeout: STEP_MS });
    expect(await text(page, '#event-log')).toContain('slot 5: card removed (interrupt)');
    expect(await page.locator('[data-slot="3"] .badge').getAttribute('data-state')).toBe('powered');
    await page.screenshot({ path: join(ARTIFACTS, 'web-sim.png'), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download', { timeout: STEP_MS }), page.click('#download')]);
    expect(download.suggestedFilename()).toMatch(/^ccid-session-1d50-6141-\d{8}T\d{6}\.pcap$/);
    const bytes = new Uint8Array(await readFile(await download.path()));
    expect(readPcapHeader(bytes).linkType).toBe(220);
    const messages = extractConversation(readUsbPackets(bytes));
    const select = messages.find((m) => m.type === 'PC_to_RDR_XfrBlock' && m.slot === 3 && toHex(m.data).includes('A0 00 00 00 62 03 01 0C 06 01'));
    expect(select, 'SELECT of the hello-world AID in the capture').toBeDefined();
    const hello = toHex(new TextEncoder().encode('Hello world!'));
    expect(messages.some((m) => m.type === 'RDR_to_PC_DataBlock' && m.slot === 3 && toHex(m.data).includes(hello))).toBe(true);
    expect(messages.some((m) => m.type === 'RDR_to_PC_NotifySlotChange')).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sim mode: disconnect, connect again, then the reader unplugged', { timeout: 30_000 }, async () => {
    const { page, errors } = await open('?sim=sysmoOCTSIM&cards=0&timescale=0');
    await page.click('#connect');
    await page.locator('[data-slot="0"]').waitFor({ timeout: STEP_MS });
    await page.click('#disconnect');
    await page.waitForSelector('#notice [data-notice="No reader connected"]', { timeout: STEP_MS });
    expect(await page.locator('#slots').isHidden()).toBe(true);
    await page.click('#connect');
    await page.locator('[data-slot="0"] [data-action="power-on"]').click();
    await page.locator('[data-slot="0"] [data-role="atr"]').waitFor({ timeout: STEP_MS });
    await page.click('[data-sim-unplug]');
    await page.waitForSelector('#notice [data-notice="The reader was unplugged"]', { timeout: STEP_MS });
    expect(await text(page, '#notice')).toContain('CCID_ERR_READER_GONE');
    expect(await page.locator('#disconnect').isDisabled()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('explains Chrome\'s protected smart-card class when claimInterface is refused', { timeout: 30_000 }, async () => {
    const { page, errors } = await open('?sim=sysmoOCTSIM&protected=1');
    await page.click('#connect');
    await page.locator('#notice .box.error').waitFor({ timeout: STEP_MS });
    expect(await text(page, '#notice .box.error h2')).toBe('The browser refuses to talk to this reader');
    const notice = await text(page, '#notice .box.error');
    expect(notice).toContain('usb-unrestricted');
    expect(notice).toContain('setUSBProtectedClassesHandler');
    expect(notice).toContain('0xFF');
    expect(notice).toContain('CCID_ERR_USB_SECURITY');
    expect(await page.locator('#slots').isHidden()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'web-protected.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('without sim mode and with no device, shows the "no reader" state', { timeout: 30_000 }, async () => {
    const { page, errors } = await open('');
    expect(await page.locator('#sim-banner').isHidden()).toBe(true);
    expect(await page.locator('#notice [data-notice="No reader connected"]').isVisible()).toBe(true);
    // The real navigator.usb answered getDevices() with nothing.
    expect(await text(page, '#event-log')).toContain('no reader allowed for this page yet');
    await page.click('#connect');
    // Headless Chromium opens no chooser window, so requestDevice stays pending: the page waits, calmly.
    await page.waitForSelector('#notice [data-notice="Choose a reader"]', { timeout: STEP_MS });
    expect(await page.locator('#slots').isHidden()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the chooser closed with nothing chosen: "no reader selected", Connect usable again', { timeout: 30_000 }, async () => {
    // What Chromium's requestDevice rejects with when the user closes the chooser.
    await context.addInitScript(() => {
      if (!location.search.includes('chooser=cancel')) return;
      const usb = (navigator as Navigator & { usb?: { requestDevice: unknown } }).usb;
      if (usb !== undefined) usb.requestDevice = () => Promise.reject(new DOMException('No device selected.', 'NotFoundError'));
    });
    const { page, errors } = await open('?chooser=cancel');
    await page.click('#connect');
    await page.waitForSelector('#notice [data-notice="No reader selected"]', { timeout: STEP_MS });
    expect(await page.locator('#connect').isEnabled()).toBe(true);
    expect(await page.locator('#disconnect').isDisabled()).toBe(true);
    expect(await text(page, '#event-log')).toContain('no reader selected');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a browser without WebUSB: says so, Connect disabled', { timeout: 30_000 }, async () => {
    await context.addInitScript(() => {
      if (location.search.includes('webusb=none')) Object.defineProperty(Navigator.prototype, 'usb', { get: () => undefined, configurable: true });
    });
    const { page, errors } = await open('?webusb=none');
    await page.waitForSelector('#notice [data-notice="WebUSB is not available here"]', { timeout: STEP_MS });
    expect(await text(page, '#notice')).toContain('navigator.usb is undefined');
    expect(await page.locator('#connect').isDisabled()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
