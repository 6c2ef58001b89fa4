/**
 * The reader quirk table: which readers (VID:PID, firmware) need what, and why.
 *
 * Facts gathered from libccid's reader-specific code (LudovicRousseau/CCID at 1.8.2:
 * the readerID cases of src/ccid.c, src/ccid_usb.c, src/ifdhandler.c, src/commands.c,
 * the Bogus_firmwares table, src/92_pcscd_ccid.rules, and the commit messages that
 * explain them), from QEMU's `usb-ccid` device (hw/usb/dev-smartcard-reader.c) and from
 * the descriptor dumps in `../shared/reference/libccid/readers/`. Written here as data;
 * the kinds are documented in `src/readers/quirk.ts`.
 *
 * libccid code that is compiled out by default (SEC1210_SYNC, the `#if 0` SCR331-DI
 * contactless code), macOS-only branches and driver options that are off by default
 * (GemPC Twin/Key APDU mode) are not listed.
 */
import type { Quirk, QuirkEntry } from '../src/readers/quirk.ts';

const CCID_C = 'libccid src/ccid.c';
const CCID_USB_C = 'libccid src/ccid_usb.c';
const IFDHANDLER_C = 'libccid src/ifdhandler.c';
const COMMANDS_C = 'libccid src/commands.c';
const UDEV_RULES = 'libccid src/92_pcscd_ccid.rules';
const QEMU = 'QEMU hw/usb/dev-smartcard-reader.c';
const DUMPS = 'libccid readers/ descriptor dump';

/** Readers whose chip advertises a PIN pad it lacks and whose firmware chains like extended APDU. */
const fakePinPadChaining: readonly Quirk[] = [
  { kind: 'disablePinPad', reason: 'the chip advertises a PIN pad (bPINSupport) but the reader has none', source: `${CCID_C} ccid_open_hack_post` },
  {
    kind: 'exchangeLevel',
    level: 'extended-apdu',
    reason: 'the firmware chains long responses (bChainParameter) as at extended APDU level, whatever dwFeatures says',
    source: `${CCID_C} ccid_open_hack_post`,
  },
];

/** The SPE of these keyboards also sends the typed PIN to the host as key presses. */
const leakyPinPad: readonly Quirk[] = [
  {
    kind: 'disablePinPad',
    reason: 'the secure PIN entry is bogus: the PIN typed on the keyboard is also sent to the host',
    source: `${CCID_C} ccid_open_hack_post (HP/Fujitsu/Chicony keyboards)`,
  },
];

const bogusFirmware = (vid: number, pid: number, below: number, label: string, reason: string): QuirkEntry => ({
  match: { vid, pid, bcdDevice: { below } },
  label,
  quirks: [{ kind: 'bogusFirmware', reason, source: `${CCID_USB_C} Bogus_firmwares` }],
});

const upgrade = (below: number) =>
  `firmware older than ${(below >> 8).toString(16)}.${(below & 0xff).toString(16).padStart(2, '0')} is known not to work; upgrade the reader firmware or use another reader`;

const busySlots = (vid: number, pid: number, label: string, slots: number, announced: number): QuirkEntry => ({
  match: { vid, pid },
  label,
  quirks: [
    {
      kind: 'busySlots',
      value: announced === 0 ? 1 : slots,
      reason: `bMaxCCIDBusySlots is ${announced} for ${slots} slot${slots === 1 ? '' : 's'}: ${announced === 0 ? 'at least one slot must be usable, so one at a time' : 'more busy slots than slots, so clamped to the slot count'}`,
      source: DUMPS,
    },
  ],
});

const scmMessageLength = (vid: number, pid: number, label: string): QuirkEntry => ({
  match: { vid, pid },
  label,
  quirks: [
    {
      kind: 'maxMessageLength',
      value: 270,
      announced: 263,
      reason: 'SCM firmware reports dwMaxCCIDMessageLength 263 instead of 270, which would forbid a full 260-byte TPDU that the reader accepts',
      source: `${COMMANDS_C} BOGUS_SCM_FIRMWARE_FOR_dwMaxCCIDMessageLength; dwMaxCCIDMessageLength 263 in the dump`,
    },
  ],
});

/** The quirk table. */
export const QUIRK_TABLE: readonly QuirkEntry[] = [
  // --- exchange level and fake PIN pads ---------------------------------------------
  { match: { vid: 0x076b, pid: 0x3a21 }, label: 'HID OMNIKEY generic (HID_AVIATOR)', quirks: fakePinPadChaining },
  { match: { vid: 0x076b, pid: 0x3031 }, label: 'HID OMNIKEY 3121 / 3021 / 1021 (HID_OMNIKEY_3X21)', quirks: fakePinPadChaining },
  { match: { vid: 0x076b, pid: 0x6632 }, label: 'HID OMNIKEY 6121 (HID_OMNIKEY_6121)', quirks: fakePinPadChaining },
  { match: { vid: 0x046a, pid: 0x00a7 }, label: 'Cherry SmartTerminal xx44 (CHERRY_XX44)', quirks: fakePinPadChaining },
  { match: { vid: 0x0bf8, pid: 0x1024 }, label: 'Fujitsu Smartcard Reader D323 (FUJITSU_D323)', quirks: fakePinPadChaining },
  {
    match: { vid: 0x0d46, pid: 0x3010 },
    label: 'KOBIL TriBank (KOBIL_TRIBANK)',
    quirks: [
      { kind: 'exchangeLevel', level: 'short-apdu', reason: 'the firmware does not support extended APDUs although dwFeatures announces them', source: `${CCID_C} ccid_open_hack_post` },
      { kind: 'mctReaderDirect', reason: 'the reader accepts MCT universal commands', source: `${IFDHANDLER_C} IFDHControl` },
    ],
  },
  {
    match: { vid: 0x2f7c, pid: 0x6007 },
    label: 'Diebold Nixdorf PN7362AU (DIEBOLDNIXDORF_PN7362AU)',
    quirks: [{ kind: 'exchangeLevel', level: 'extended-apdu', reason: 'the firmware chains long responses as at extended APDU level', source: `${CCID_C} ccid_open_hack_post` }],
  },
  {
    match: { vid: 0x046a, pid: 0x00a1, bcdDevice: 0x0100 },
    label: 'Cherry KC 1000 SC firmware 1.00 (CHERRY_KC1000SC)',
    quirks: [
      {
        kind: 'exchangeLevel',
        level: 'extended-apdu',
        onlyFrom: 'short-apdu',
        reason: 'firmware 1.00 returns at most 128 bytes for a T=1 case 2 APDU and chains the rest as at extended APDU level',
        source: `${CCID_C} ccid_open_hack_post`,
      },
    ],
  },
  {
    match: { vid: 0x046a, pid: 0x00a1 },
    label: 'Cherry KC 1000 SC (CHERRY_KC1000SC)',
    quirks: [
      { kind: 'pinMessageCount', operation: 'modify', onlyWhen: 0x00, value: 0xff, reason: 'the reader rejects bNumberMessage 0 in a PIN modification; 0xFF is accepted', source: `${COMMANDS_C} SecurePINModify` },
      { kind: 'pinProperties', minPinSize: 0, maxPinSize: 32, reason: 'PIN sizes the reader accepts', source: `${IFDHANDLER_C} GET_TLV_PROPERTIES` },
    ],
  },
  { match: { vid: 0x03f0, pid: 0x1024 }, label: 'HP USB Smart Card Keyboard (HPSMARTCARDKEYBOARD)', quirks: leakyPinPad },
  { match: { vid: 0x03f0, pid: 0x0036 }, label: 'HP USB CCID Smartcard Keyboard (HP_CCIDSMARTCARDKEYBOARD)', quirks: leakyPinPad },
  { match: { vid: 0x0bf8, pid: 0x1017 }, label: 'Fujitsu Smart Card Keyboard (FUJITSUSMARTKEYB)', quirks: leakyPinPad },
  { match: { vid: 0x04f2, pid: 0x1469 }, label: 'Chicony HP Skylab keyboard (CHICONYHPSKYLABKEYBOARD)', quirks: leakyPinPad },
  {
    match: { vid: 0x0783, pid: 0x0006 },
    label: 'C3PO LTC31 v2 (C3PO_LTC31_v2)',
    quirks: [{ kind: 'disablePinPad', reason: 'libccid disables the PIN pad of this reader (bPINSupport set to 0; no further reason recorded)', source: `${CCID_C} ccid_open_hack_post` }],
  },
  {
    match: { vid: 0x25dd, pid: 0x3111 },
    label: 'Bit4id miniLector (BIT4ID_MINILECTOR)',
    quirks: [{ kind: 'disablePinPad', reason: 'firmware 1.11 advertises a PIN pad but the reader has none', source: `${CCID_C} ccid_open_hack_post` }],
  },

  // --- timing -----------------------------------------------------------------------
  {
    match: { vid: 0x0b81, pid: 0x0200 },
    label: 'id3 Semiconductors CL1356 (CL1356D)',
    quirks: [
      { kind: 'openDelay', ms: 1000, reason: 'the firmware needs about a second to initialize after open', source: `${CCID_C} ccid_open_hack_pre` },
      { kind: 'responseTimeout', ms: 60_000, phase: 'always', reason: 'the reader may take up to a minute to answer', source: `${CCID_C} ccid_open_hack_pre` },
    ],
  },
  ...[0x0427, 0x0428].map(
    (pid): QuirkEntry => ({
      match: { vid: 0x09d8, pid },
      label: pid === 0x0427 ? 'Elatec TWN4 CCID + CDC (ElatecTWN4_CCID_CDC)' : 'Elatec TWN4 CCID (ElatecTWN4_CCID)',
      quirks: [
        { kind: 'responseTimeout', ms: 30_000, phase: 'open', reason: 'GetSlotStatus is answered only after up to 1 s when no tag is present', source: `${CCID_C} ccid_open_hack_pre/post` },
      ],
    }),
  ),
  {
    match: { vid: 0x072f, pid: 0x2200 },
    label: 'ACS ACR122U PICC (ACS_ACR122U)',
    quirks: [
      {
        kind: 'responseTimeout',
        ms: 30_000,
        phase: 'open',
        reason: 'GetSlotStatus is answered only after up to 1 s when no tag is present; the first command after connection timed out at libccid\'s default',
        source: `${CCID_C} ccid_open_hack_pre/post; libccid commit 4841404 (PCSC issue #206)`,
      },
    ],
  },
  {
    match: { vid: 0x04e6, pid: 0x5293 },
    label: 'SCM SCL011 (SCM_SCL011)',
    quirks: [{ kind: 'responseTimeout', ms: 12_000, phase: 'open', reason: 'the reader needs about 350 ms to answer', source: `${CCID_C} ccid_open_hack_pre/post` }],
  },
  ...[
    [0x5790, 'Identiv uTrust 3700 F (IDENTIV_uTrust3700F)'],
    [0x5791, 'Identiv uTrust 3701 F (IDENTIV_uTrust3701F)'],
    [0x5724, 'Identiv uTrust 4701 F (IDENTIV_uTrust4701F)'],
  ].map(
    ([pid, label]): QuirkEntry => ({
      match: { vid: 0x04e6, pid: pid as number },
      label: label as string,
      quirks: [{ kind: 'responseTimeout', ms: 12_000, phase: 'always', reason: 'the reader needs about 350 ms to answer, more than a short default allows', source: `${CCID_C} ccid_open_hack_pre` }],
    }),
  ),
  {
    match: { vid: 0x08e6, pid: 0x34d2 },
    label: 'Thales eToken Fusion NFC (THALES_FUSION_NFC)',
    quirks: [
      { kind: 'extraCardTimeout', ms: 300_000, protocol: 'T=1', reason: 'on-board key generation takes minutes', source: `${IFDHANDLER_C} IFDHSetProtocolParameters` },
    ],
  },

  // --- data rates, PPS, IFSD --------------------------------------------------------
  ...[0x7762, 0x7772].map(
    (pid): QuirkEntry => ({
      match: { vid: 0x0b97, pid },
      label: pid === 0x7762 ? 'O2 Micro Oz776S (OZ776)' : 'O2 Micro Oz776 (OZ776_7772)',
      quirks: [
        {
          kind: 'dataRateLimit',
          maxBps: 9600,
          slots: 'all',
          reason: 'bNumDataRatesSupported is 0 (any rate up to 307200 bps) but GET_DATA_RATES lists only 9600 bps, the only rate that works',
          source: `${CCID_C} ccid_open_hack_pre; libccid commit 64308e9`,
        },
        { kind: 'noPps', reason: 'PPS is not supported by O2 Micro readers: the card\'s default protocol is used', source: `${IFDHANDLER_C} IFDHSetProtocolParameters` },
        {
          kind: 'avoidFullPacketCommands',
          reason: 'a character-level command whose size is a multiple of 64 bytes is not handled: libccid sends such exchanges in two commands',
          source: `${COMMANDS_C} CmdXfrBlockCHAR_T0 (O2MICRO_OZ776_PATCH)`,
        },
        { kind: 'classDescriptorAfterEndpoints', reason: 'the CCID class descriptor is placed after the last endpoint descriptor', source: `${CCID_USB_C} get_ccid_device_descriptor; Oz776 dumps` },
      ],
    }),
  ),
  {
    match: { vid: 0x0c4b, pid: 0x0300 },
    label: 'Reiner SCT cyberJack pinpad(a) (REINER_SCT)',
    quirks: [{ kind: 'classDescriptorAfterEndpoints', reason: 'the CCID class descriptor (interface class 0xFF) is placed after the last endpoint descriptor', source: `${CCID_USB_C} get_ccid_device_descriptor; ReinerSCT dump` }],
  },
  {
    match: { vid: 0x1b0e, pid: 0x1078 },
    label: 'BLUTRONICS BLUDRIVE II CCID (BLUDRIVEII_CCID)',
    quirks: [{ kind: 'classDescriptorAfterEndpoints', reason: 'the CCID class descriptor is placed after the last endpoint descriptor', source: `${CCID_USB_C} get_ccid_device_descriptor; BludriveII dump` }],
  },
  {
    match: { vid: 0x058f, pid: 0x9540 },
    label: 'Alcor Micro AU9540 / AU9560 (ALCORMICRO_AU9540)',
    quirks: [
      { kind: 'dataRateLimit', maxBps: 200_000, slots: 'all', reason: 'data rates above 200000 bps do not work', source: `${CCID_C} ccid_open_hack_pre; libccid commit c81c512` },
      {
        kind: 'setParametersFallback',
        reason: 'SetParameters may fail for T=1 cards; a cold then warm reset lets the card choose a lower speed and the exchange works without SetParameters',
        source: `${IFDHANDLER_C} IFDHSetProtocolParameters; libccid commit ae7e716`,
      },
    ],
  },
  ...[
    [0x3480, 'GemCore SIM Pro (GEMCORESIMPRO)'],
    [0x3479, 'GemCore POS Pro (GEMCOREPOSPRO)'],
  ].map(
    ([pid, label]): QuirkEntry => ({
      match: pid === 0x3480 ? { vid: 0x08e6, pid: 0x3480, bcdDevice: { below: 0x0200 } } : { vid: 0x08e6, pid: pid as number },
      label: label as string,
      quirks: [
        {
          kind: 'dataRateLimit',
          maxBps: 125_000,
          rates: [10753, 21505, 43011, 125000],
          slots: 'secondary',
          reason: 'the secondary slots do not support the data rates of the first slot (fixed since GemCore SIM Pro firmware 2.00)',
          source: `${CCID_USB_C} OpenUSBByName (SerialCustomDataRates)`,
        },
      ],
    }),
  ),
  {
    match: { vid: 0x08e6, pid: 0x3480, bcdDevice: { below: 0x0200 } },
    label: 'GemCore SIM Pro firmware < 2.00 (GEMCORESIMPRO)',
    quirks: [
      {
        kind: 'noSlotStatus',
        reason: 'before firmware 2.00 the second slot is not independent: card presence is assumed until a power-on fails',
        source: `${IFDHANDLER_C} IFDHICCPresence and IFDHPowerICC`,
      },
    ],
  },
  {
    match: { vid: 0x09be, pid: 0x0002 },
    label: 'MySmartPad (MYSMARTPAD)',
    quirks: [{ kind: 'maxIfsd', value: 254, reason: 'dwMaxIFSD in the descriptor is wrong; the reader handles an IFSD of 254', source: `${CCID_C} ccid_open_hack_pre` }],
  },
  ...[0x0012, 0x0013].map(
    (bcd): QuirkEntry => ({
      match: { vid: 0x0529, pid: 0x0620, bcdDevice: bcd },
      label: `SafeNet eToken 5110 SC firmware 0.${bcd.toString(16)} (SAFENET_ETOKEN_5100)`,
      quirks: [{ kind: 'skipIfsdNegotiation', reason: 'firmware 0.12 and 0.13 do not accept the T=1 IFSD negotiation', source: `${CCID_C} ccid_open_hack_post` }],
    }),
  ),

  // --- power-on, presence -----------------------------------------------------------
  {
    match: { vid: 0x0d46, pid: 0x301d },
    label: 'KOBIL IDToken (KOBIL_IDTOKEN)',
    quirks: [{ kind: 'powerOffBeforePowerOn', reason: 'the German eID card in this token must be powered off before each power-on', source: `${IFDHANDLER_C} IFDHPowerICC` }],
  },
  ...[
    [0x08e6, 0x4433, 'Gemplus GemPC 433 SL (GEMPC433)'],
    [0x046a, 0x0005, 'Cherry SmartBoard XX33 (CHERRYXX33)'],
  ].map(
    ([vid, pid, label]): QuirkEntry => ({
      match: { vid: vid as number, pid: pid as number },
      label: label as string,
      quirks: [
        {
          kind: 'powerOnRetryEscape',
          bError: 0xbb,
          escape: '1F 01',
          reason: 'in EMV mode power-on fails with bError 0xBB; escape 1F 01 switches the reader to ISO mode',
          source: `${COMMANDS_C} CmdPowerOn`,
        },
      ],
    }),
  ),

  // --- USB transport habits ---------------------------------------------------------
  ...[
    [0x08e6, 0x3437, 'Gemplus GemPC Twin (GEMPCTWIN)'],
    [0x08e6, 0x3438, 'Gemplus GemPC Key (GEMPCKEY)'],
    [0x413c, 0x2101, 'Dell Smart Card Reader Keyboard (DELLSCRK)'],
  ].map(
    ([vid, pid, label]): QuirkEntry => ({
      match: { vid: vid as number, pid: pid as number, bcdDevice: 0x0200 },
      label: `${label as string} firmware 2.00`,
      quirks: [
        {
          kind: 'zeroLengthPackets',
          habit: 'stray',
          reason: 'the chipset with firmware 2.00 may send zero-length packets when connected to a USB 3 port',
          source: `${CCID_C} ccid_open_hack_pre (ENABLE_ZLP)`,
        },
      ],
    }),
  ),
  ...[0x5503, 0x5504].map(
    (pid): QuirkEntry => ({
      match: { vid: 0x08e6, pid },
      label: pid === 0x5503 ? 'Gemalto Prox-DU (GEMALTOPROXDU)' : 'Gemalto Prox-SU (GEMALTOPROXSU)',
      quirks: [
        {
          kind: 'serializeInterfaces',
          reason: 'the contact and contactless CCID interfaces cannot be used at the same time: the reader deadlocks',
          source: `${CCID_USB_C} OpenUSBByName (composite device comment)`,
        },
        ...(pid === 0x5503
          ? [{ kind: 'escapeAllowed', commands: ['52 F8 04 01 00 XX'], reason: 'escape that switches between the contact (02) and contactless (01) interface', source: `${IFDHANDLER_C} IFDHControl` } as const]
          : []),
      ],
    }),
  ),
  {
    match: { vid: 0x2ce3, pid: 0x9563 },
    label: 'Generic EMV Smartcard Reader (Alcor Link)',
    quirks: [
      {
        kind: 'fragmentedResponses',
        reason: 'every response longer than wMaxPacketSize (16) comes in two bulk-IN transfers: the largest multiple of 16 bytes, then the rest',
        source: 'GCC CTF 2024 "Bad Habit" USB capture (../shared/reference/captures/gcc_bad_habit_usb.pcapng)',
      },
    ],
  },
  {
    match: { vid: 0x0783, pid: 0x0003 },
    label: 'C3PO LTC31 v1',
    quirks: [{ kind: 'keepAutosuspendOff', reason: 'USB autosuspend breaks the reader', source: UDEV_RULES }],
  },
  {
    match: { vid: 0x058f, pid: 0x9520 },
    label: 'Alcor Micro AU9520',
    quirks: [{ kind: 'keepAutosuspendOff', reason: 'USB autosuspend breaks the reader', source: UDEV_RULES }],
  },
  {
    match: { vid: 0x0d46, pid: 0x4081 },
    label: 'KOBIL mIDentity (mass-storage mode)',
    quirks: [{ kind: 'modeSwitch', reason: 'the token first appears in another mode; a vendor switch command (Kobil_mIDentity_switch) makes it a CCID reader', source: UDEV_RULES }],
  },

  // --- QEMU usb-ccid ----------------------------------------------------------------
  {
    match: { vid: 0x08e6, pid: 0x4433, bcdDevice: 0x0000 },
    label: 'QEMU USB CCID (usb-ccid, emulates the GemPC 433 IDs)',
    quirks: [
      {
        kind: 'cardActiveBeforePowerOn',
        reason: 'the emulated slot starts "powered": an inserted card is reported active before any IccPowerOn, until an IccPowerOff',
        source: `${QEMU} (powered defaults to true)`,
      },
      {
        kind: 'exchangeLevel',
        level: 'short-apdu',
        onlyFrom: 'tpdu',
        reason: 'dwFeatures announces TPDU level, but XfrBlock data is handed to the emulated card as a whole APDU',
        source: `${QEMU} ccid_on_apdu_from_guest`,
      },
      {
        kind: 'maxMessageLength',
        value: 384,
        announced: 0x10012,
        reason: 'dwMaxCCIDMessageLength says 65554 but responses are built in 384-byte buffers: a larger answer fails with HW_ERROR',
        source: `${QEMU} BULK_IN_BUF_SIZE (x-accurate-message-length off)`,
      },
      { kind: 'disablePinPad', reason: 'bPINSupport announces PIN verification but PC_to_RDR_Secure is answered "command not supported"', source: `${QEMU} ccid_handle_bulk_out` },
      {
        kind: 'zeroLengthPackets',
        habit: 'afterFullPacketMessage',
        reason: 'a response whose last chunk fills a 64-byte read is followed by a zero-length packet',
        source: `${QEMU} ccid_bulk_in_copy_to_guest`,
      },
    ],
  },

  // --- PIN pads ---------------------------------------------------------------------
  ...[
    [0x08e6, 0x3478, 'Gemplus GemPC Pinpad (GEMPCPINPAD)'],
    [0x0982, 0x0008, 'Covadis Vega-Alpha (VEGAALPHA)'],
  ].map(
    ([vid, pid, label]): QuirkEntry => ({
      match: { vid: vid as number, pid: pid as number },
      label: label as string,
      quirks: [
        { kind: 'pinMessageCount', operation: 'verify', value: 0x01, reason: 'the firmware rejects bNumberMessage 00h and FFh; only 01h (one message) is accepted', source: `${COMMANDS_C} SecurePINVerify` },
        {
          kind: 'pinEntryValidation',
          value: 0x02,
          reason: 'the firmware rejects the "max size reached" and "timeout" validation conditions; only "validation key pressed" works',
          source: `${COMMANDS_C} SecurePINVerify/SecurePINModify`,
        },
        { kind: 'vendorInit', procedure: 'gemaltoPinpadStrings', reason: 'the PIN pad prompts are loaded into the reader at open, in the user\'s language', source: `${CCID_C} ccid_open_hack_post` },
        { kind: 'pinProperties', entryValidation: 0x02, reason: 'only "validation key pressed" ends PIN entry', source: `${IFDHANDLER_C} IOCTL_FEATURE_IFD_PIN_PROPERTIES` },
      ],
    }),
  ),
  {
    match: { vid: 0x08e6, pid: 0x3478, bcdDevice: 0x0100 },
    label: 'Gemplus GemPC Pinpad V1 (GEMPCPINPAD)',
    quirks: [{ kind: 'pinProperties', minPinSize: 4, maxPinSize: 8, entryValidation: 0x02, reason: 'PIN sizes of firmware 1.00', source: `${IFDHANDLER_C} GET_TLV_PROPERTIES` }],
  },
  {
    match: { vid: 0x0982, pid: 0x0008 },
    label: 'Covadis Vega-Alpha (VEGAALPHA)',
    quirks: [
      { kind: 'pinProperties', minPinSize: 4, maxPinSize: 8, entryValidation: 0x02, reason: 'PIN sizes of the reader', source: `${IFDHANDLER_C} GET_TLV_PROPERTIES` },
      {
        kind: 'pinMessageCount',
        operation: 'modify',
        value: 0x03,
        frameValue: 'original',
        reason: 'Gemalto firmware bug: bMsgIndex2 and bMsgIndex3 are required even when fewer messages are used',
        source: `${COMMANDS_C} has_gemalto_modify_pin_bug`,
      },
    ],
  },
  {
    match: { vid: 0x08e6 },
    label: 'Gemalto / Gemplus readers (VENDOR_GEMALTO)',
    quirks: [
      { kind: 'vendorInit', procedure: 'gemaltoFirmwareFeatures', reason: 'the readers report PIN sizes, validation conditions and fixed bugs through escape 0x6A', source: `${CCID_C} set_gemalto_firmware_features` },
      {
        kind: 'pinMessageCount',
        operation: 'modify',
        value: 0x03,
        frameValue: 'original',
        reason: 'Gemalto firmware bug: bMsgIndex2 and bMsgIndex3 are required even when fewer messages are used, unless GET_FIRMWARE_FEATURES reports bNumberMessageFix',
        source: `${COMMANDS_C} has_gemalto_modify_pin_bug`,
      },
      { kind: 'escapeAllowed', commands: ['02'], reason: 'escape 02 returns the firmware version', source: `${IFDHANDLER_C} IFDHControl` },
    ],
  },
  ...[
    [0x413c, 0x2101, 'Dell Smart Card Reader Keyboard (DELLSCRK)'],
    [0x413c, 0x2100, 'Dell keyboard SK-3106 (DELLSK)'],
  ].map(
    ([vid, pid, label]): QuirkEntry => ({
      match: { vid: vid as number, pid: pid as number },
      label: label as string,
      quirks: [
        { kind: 'pinMessageCount', operation: 'verify', value: 0x00, reason: 'the firmware rejects bNumberMessage 01h-FFh; only 00h (no message) is accepted', source: `${COMMANDS_C} SecurePINVerify` },
        { kind: 'pinDelay', ms: 250, reason: 'the command is rejected while the Enter key is still pressed', source: `${COMMANDS_C} SecurePINVerify` },
        ...(pid === 0x2100
          ? [{ kind: 'pinSwapMaxExtraDigit', reason: 'the two bytes of wPINMaxExtraDigit are reversed by the firmware', source: `${COMMANDS_C} SecurePINVerify` } as const]
          : []),
      ],
    }),
  ),
  {
    match: { vid: 0x04e6, pid: 0xe003 },
    label: 'SCM SPR 532 (SPR532)',
    quirks: [
      { kind: 'pinCase1Escape', escape: '80 02 00', reason: 'for a case 1 APDU the reader appends the PIN without padding only after this escape', source: `${COMMANDS_C} SecurePINVerify` },
      {
        kind: 'pinMessageCount',
        operation: 'modify',
        value: 0x03,
        zeroMessageIndexes: true,
        frameValue: 0x00,
        reason: 'no display, but the firmware requires all three bMsgIndex fields with bNumberMessage 0',
        source: `${COMMANDS_C} SecurePINModify`,
      },
    ],
  },
  {
    match: { vid: 0x046a, pid: 0x003e },
    label: 'Cherry SmartTerminal ST-2xxx (CHERRYST2000)',
    quirks: [
      {
        kind: 'pinMessageCount',
        operation: 'modify',
        value: 0x03,
        zeroMessageIndexes: true,
        frameValue: 0x00,
        reason: 'no display, but the firmware requires all three bMsgIndex fields with bNumberMessage 0',
        source: `${COMMANDS_C} SecurePINModify`,
      },
      { kind: 'pinProperties', minPinSize: 0, maxPinSize: 25, entryValidation: 0x02, reason: 'PIN sizes of the reader; only "validation key pressed" ends PIN entry', source: `${IFDHANDLER_C} GET_TLV_PROPERTIES` },
    ],
  },
  {
    match: { vid: 0x046a, pid: 0x0010 },
    label: 'Cherry SmartBoard XX44 (CHERRYXX44)',
    quirks: [
      {
        kind: 'pinMessageCount',
        operation: 'modify',
        value: 0x03,
        reason: 'with bNumberMessage below 3 the command is accepted but the card answers 6B 80',
        source: `${COMMANDS_C} SecurePINModify`,
      },
    ],
  },
  {
    match: { vid: 0x076b, pid: 0x3821 },
    label: 'HID OMNIKEY 3821 (HID_OMNIKEY_3821)',
    quirks: [{ kind: 'pinProperties', minPinSize: 1, maxPinSize: 31, reason: 'PIN sizes of the reader', source: `${IFDHANDLER_C} GET_TLV_PROPERTIES` }],
  },
  {
    match: { vid: 0x0d46, pid: 0x4289 },
    label: 'KOBIL mIDentity visual (KOBIL_MIDENTITY_VISUAL)',
    quirks: [{ kind: 'mctReaderDirect', reason: 'the reader accepts MCT universal commands', source: `${IFDHANDLER_C} IFDHControl` }],
  },
  {
    match: { vid: 0x076b, pid: 0x5427 },
    label: 'HID OMNIKEY 5427 CK (HID_OMNIKEY_5427CK)',
    quirks: [{ kind: 'escapeAllowed', reason: 'APDUs to the reader itself (no card in the field) go through escape commands', source: `${IFDHANDLER_C} IFDHControl` }],
  },

  // --- bogus firmware (Bogus_firmwares) ---------------------------------------------
  bogusFirmware(0x04e6, 0xe001, 0x0516, 'SCM SCR 331', upgrade(0x0516)),
  bogusFirmware(0x04e6, 0x5111, 0x0620, 'SCM SCR 331-DI', upgrade(0x0620)),
  bogusFirmware(0x04e6, 0xe003, 0x0510, 'SCM SPR 532', upgrade(0x0510)),
  bogusFirmware(0x0d46, 0x3001, 0x0037, 'KOBIL KAAN Base', upgrade(0x0037)),
  bogusFirmware(0x0d46, 0x3002, 0x0037, 'KOBIL KAAN Advanced', upgrade(0x0037)),
  bogusFirmware(0x09c3, 0x0008, 0x0203, 'ActivCard USB Reader V2', upgrade(0x0203)),
  bogusFirmware(0x0dc3, 0x1004, 0x0502, 'Athena ASE IIIe USB v2', upgrade(0x0502)),
  bogusFirmware(0x0dc3, 0x1102, 0x0607, 'Athena ASE IIIe KB USB', upgrade(0x0607)),
  bogusFirmware(0x058f, 0x9520, 0x0102, 'Alcor Micro AU9520-G', upgrade(0x0102)),
  bogusFirmware(0x072f, 0x2200, 0x0206, 'ACS ACR122U-WB-R', 'firmware older than 2.06: an APDU expecting 123 bytes from an ISO 14443 card gets SW 63 00 (libccid commit 0fae61d)'),
  bogusFirmware(0x08c3, 0x0402, 0x5000, 'Precise Biometrics Precise 200 MC', 'firmware older than 50.00 does not send time extension requests to the host (libccid commit e3a6df7)'),
  bogusFirmware(0x08c3, 0x0401, 0x5000, 'Precise Biometrics Precise 250 MC', 'firmware older than 50.00 does not send time extension requests to the host (libccid commit d3c1615)'),
  bogusFirmware(0x0b0c, 0x0050, 0x0101, 'Todos Argos Mini II', upgrade(0x0101)),
  bogusFirmware(0x0dc3, 0x0900, 0x0200, 'Athena IDProtect Key v2', upgrade(0x0200)),
  bogusFirmware(0x03f0, 0x0036, 0x0124, 'HP USB CCID Smartcard Keyboard', upgrade(0x0124)),
  bogusFirmware(0x062d, 0x0001, 0x0102, 'THRC Smart Card Reader', upgrade(0x0102)),
  bogusFirmware(0x04e6, 0x5291, 0x0112, 'SCM SCL010 Contactless Reader', upgrade(0x0112)),

  // --- descriptor values known to be wrong (from the dumps) --------------------------
  busySlots(0x1c34, 0xafc0, 'AF Care One AFC0', 2, 0),
  busySlots(0x1c34, 0xafc1, 'AF Care One AFC1', 2, 0),
  busySlots(0x1c34, 0xafd0, 'Doctolib SR 0xAFD0', 2, 0),
  busySlots(0x1c34, 0xafd1, 'Doctolib SR 0xAFD1', 2, 0),
  busySlots(0x096e, 0x0505, 'Feitian SCR310', 1, 0),
  busySlots(0x23eb, 0x0003, 'TOPPAN FORMS TC63CUT021', 1, 0),
  busySlots(0x1c34, 0x611a, 'SpringCard E518', 2, 5),
  busySlots(0x1c34, 0x6122, 'SpringCard H518 (0x6122)', 2, 5),
  busySlots(0x1c34, 0x612a, 'SpringCard H518 (0x612A)', 2, 5),
  busySlots(0x1c34, 0x601a, 'SpringCard SpringCore', 2, 5),
  scmMessageLength(0x09c3, 0x0008, 'ActivCard USB Reader V2'),
  scmMessageLength(0x04e6, 0x511c, 'Axalto Reflex USB v3'),
  scmMessageLength(0x03f0, 0x1024, 'HP USB Smart Card Keyboard'),
  scmMessageLength(0x03f0, 0x0824, 'HP USB Smartcard Reader'),
  scmMessageLength(0x04e6, 0x5120, 'SCM SCR331-DI NTTCom'),
  scmMessageLength(0x04e6, 0x5111, 'SCM SCR331-DI'),
  scmMessageLength(0x04e6, 0x511f, 'SCM SCR3310 v2'),
  scmMessageLength(0x04e6, 0x5410, 'SCM SCR 355'),
];
