/**
 * Test glue for the slot API: an emulated reader (bytes only at its USB face) with cards
 * in its slots, opened through the public `openReader`.
 */
import { openReader, type OpenReaderOptions, type Reader } from '../../src/reader/index.ts';
import { createEmulatedReader, type EmulatedReader, type EmulatedReaderOptions, type VirtualCard } from '../../src/sim/index.ts';
import type { DescriptorFixture } from '../../src/fixtures/desc-file.ts';
import { decodeBulkOut } from '../../src/ccid/codec.ts';
import type { PcToRdrMessage } from '../../src/ccid/messages.ts';

/** The hello world applet's AID and commands (issue 4). */
export const SELECT_HELLO = Uint8Array.of(0x00, 0xa4, 0x04, 0x00, 0x0a, 0xa0, 0x00, 0x00, 0x00, 0x62, 0x03, 0x01, 0x0c, 0x06, 0x01);
export const HELLO = Uint8Array.of(0x00, 0x00, 0x00, 0x00);

/** An emulated reader with `cards` in slots 0.., opened as a Reader. */
export async function openEmulated(
  profile: string | DescriptorFixture,
  cards: readonly (VirtualCard | undefined)[],
  readerOptions: EmulatedReaderOptions = {},
  openOptions: OpenReaderOptions = {},
): Promise<{ emulated: EmulatedReader; reader: Reader; sent: PcToRdrMessage[] }> {
  const emulated = createEmulatedReader(profile, { timeScale: 0, ...readerOptions });
  cards.forEach((card, i) => {
    if (card !== undefined) emulated.slots[i]!.insert(card);
  });
  const sent: PcToRdrMessage[] = [];
  const reader = await openReader(emulated.device, {
    ...openOptions,
    trace: (direction, bytes) => {
      if (direction === 'out') sent.push(decodeBulkOut(bytes));
      openOptions.trace?.(direction, bytes);
    },
  });
  return { emulated, reader, sent };
}

/** The text of a response's data. */
export function text(data: Uint8Array): string {
  return new TextDecoder().decode(data);
}
