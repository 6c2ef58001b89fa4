/**
 * Why libccid lists a reader as "unsupported", keyed by `VVVV:PPPP` (upper-case hex).
 * Facts from libccid's commit messages and reader-specific code; where the project
 * recorded no reason the text says so. Every key must be an `unsupported` entry of
 * `supported-readers.json` (checked by test/readers/supported-list.test.ts).
 */
const NO_REASON = 'listed as unsupported by libccid (no reason recorded)';

/** Reason per unsupported VID:PID. */
export const UNSUPPORTED_REASONS: Readonly<Record<string, string>> = {
  '072F:2200': 'contactless (PICC) interface of the ACR122U; firmware older than 2.06 fails APDUs expecting 123 bytes (SW 63 00)',
  '072F:2224': NO_REASON + ' (moved from "should work" in 2024)',
  '09C3:0008': 'firmware older than 2.03 does not work; its descriptor also understates dwMaxCCIDMessageLength (263)',
  '058F:9540': 'Alcor Micro AU9540/AU9560: data rates above 200000 bps fail and SetParameters may fail for T=1 cards',
  '0DC3:100F': 'does not work with an OpenPGP (GnuPG) card V2: every APDU is rejected with "card absent or mute"',
  '03EB:6016': NO_REASON,
  '155B:8202': NO_REASON,
  '0A5C:5800': 'Broadcom 5880: responses longer than 64 bytes (wMaxPacketSize) fail on the contact interface',
  '0A5C:5801': 'Broadcom 5880: ' + NO_REASON,
  '0A5C:5805': 'Broadcom 5880: responses longer than 64 bytes (wMaxPacketSize) fail on the contact interface; a Dell ControlVault firmware upgrade turns it into 0A5C:5834',
  '0A5C:5844': 'Broadcom 58200: only a contactless interface, which is not CCID compliant',
  '0A5C:5845': 'Broadcom 58200: only a contactless interface, which is not CCID compliant',
  '0A5C:5866': 'Broadcom 58200: ' + NO_REASON,
  '0A5C:5867': 'Broadcom 58200: ' + NO_REASON,
  '0783:0003': 'C3PO LTC31 v1: breaks when USB autosuspend is on; ' + NO_REASON,
  '096E:0503': NO_REASON,
  '0BDA:0165': NO_REASON,
  '03F0:0036': 'HP kus-0133 keyboard: the secure PIN entry also sends the PIN to the host; firmware older than 1.24 does not work',
  '03F0:1024': 'HP keyboard: the secure PIN entry also sends the PIN to the host',
  '04CC:5072': 'KONA USB SmartCard (character level): the first APDU fails',
  '0D46:4000': 'KOBIL mIDentity: time extension requests are mishandled and the firmware fails on long commands (RSA key generation)',
  '0D46:4001': 'KOBIL mIDentity XL: ' + NO_REASON,
  '0B97:7762': 'O2 Micro Oz776: only 9600 bps works, no PPS, class descriptor after the endpoints, commands of a multiple of 64 bytes fail',
  '0B97:7772': 'O2 Micro Oz776: only 9600 bps works, no PPS, class descriptor after the endpoints, commands of a multiple of 64 bytes fail',
  '08C3:0401': 'firmware older than 50.00 does not send time extension requests to the host',
  '08C3:0402': 'firmware older than 50.00 does not send time extension requests to the host',
  '15E1:2007': 'RSA SecurID SID800: some units do not work and the firmware version does not tell them apart',
  '1677:0341': NO_REASON,
  '062D:0001': 'THRC (iDream) reader: firmware older than 1.02 does not work',
};
