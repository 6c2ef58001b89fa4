/**
 * The emulator's own controls in `?sim=` mode: put a virtual card in a slot or take it
 * out, and unplug the reader. These act on the emulated hardware (as a hand would), not
 * on the driver; the page learns of the change the way it would from a real reader,
 * through NotifySlotChange on the interrupt endpoint.
 */
import { h, replace } from './dom.ts';
import type { SimulatedUsb } from './sim-usb.ts';

/** Renders the emulator panel and keeps it current; returns a function that re-renders it. */
export function renderEmulator(panel: HTMLElement, sim: SimulatedUsb, onChange: (text: string) => void): () => void {
  const render = (): void => {
    const reader = sim.reader;
    const rows = reader.slots.map((slot) => {
      const card = slot.card;
      const button =
        card === undefined
          ? h('button', { type: 'button', class: 'small', 'data-sim-insert': slot.index, disabled: !reader.plugged, onclick: () => act(() => slot.insert(sim.newCard(slot.index)), `emulator: card inserted in slot ${slot.index}`) }, 'Insert card')
          : h('button', { type: 'button', class: 'small danger', 'data-sim-remove': slot.index, disabled: !reader.plugged, onclick: () => act(() => slot.remove(), `emulator: card removed from slot ${slot.index}`) }, 'Remove card');
      return h(
        'div',
        { class: 'emu-slot', 'data-sim-slot': slot.index },
        h('span', {}, h('strong', {}, `Slot ${slot.index}`), h('span', { class: 'muted card-label' }, card === undefined ? 'empty' : card.label)),
        button,
      );
    });
    replace(
      panel,
      h('h2', {}, 'Emulated hardware'),
      h('p', { class: 'muted' }, 'The reader and its cards are virtual. These buttons act on the emulated device, as a hand would; the driver learns of each change over USB (NotifySlotChange).'),
      h('div', { class: 'emu-slots' }, ...rows),
      h(
        'div',
        { class: 'emu-foot' },
        h('button', { type: 'button', class: 'small danger', 'data-sim-unplug': '', disabled: !reader.plugged, onclick: () => act(() => sim.host.unplug(reader), 'emulator: reader unplugged') }, 'Unplug reader'),
        reader.plugged ? null : h('span', { class: 'muted' }, 'Unplugged: reload the page for a new emulated reader.'),
      ),
    );
  };
  const act = (change: () => void, text: string): void => {
    change();
    onChange(text);
    render();
  };
  panel.hidden = false;
  render();
  return render;
}
