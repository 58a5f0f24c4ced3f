// The Windows spooler path, here where there is no Windows: the PowerShell commands it builds (names only ever as data) and its reading of Get-Printer's JSON.
import { describe, expect, it } from 'vitest';
import {
  isAccessDenied,
  isReceiptPrinter,
  parseGetPrinter,
  powershellCommand,
  SpoolerError,
  WINDOWS_SCRIPTS,
  WindowsSpooler,
  windowsQueueNameProblem,
  type PowerShellCommand,
} from '../../main/capture/spooler/index.js';

const script = (cmd: PowerShellCommand) => Buffer.from(cmd.args[cmd.args.indexOf('-EncodedCommand') + 1]!, 'base64').toString('utf16le');

/** Get-Printer | ConvertTo-Json as Windows PowerShell 5.1 writes it for a till with a USB receipt printer and an office printer. */
const TWO_PRINTERS = JSON.stringify({
  printers: [
    { Name: 'EPSON TM-T20II Receipt', DriverName: 'EPSON TM-T20II Receipt5', PortName: 'USB001', Shared: false, Comment: 'Front till', Location: '', Type: 0 },
    { Name: 'HP LaserJet (Office)', DriverName: 'HP Universal Printing PCL 6', PortName: '192.168.1.40', Shared: true, Comment: null, Location: 'Back office', Type: 0 },
  ],
  ports: [
    { Name: 'USB001', Description: 'Virtual printer port for USB', PrinterHostAddress: null, PortNumber: null },
    { Name: '192.168.1.40', Description: 'Standard TCP/IP Port', PrinterHostAddress: '192.168.1.40', PortNumber: 9100 },
  ],
});

describe('Get-Printer output', () => {
  it('reads each queue with its driver, port and TCP/IP port address', () => {
    const queues = parseGetPrinter('\uFEFF' + TWO_PRINTERS + '\r\n');
    expect(queues.map((q) => [q.name, q.driver, q.port, q.description])).toEqual([
      ['EPSON TM-T20II Receipt', 'EPSON TM-T20II Receipt5', 'USB001', 'Front till'],
      ['HP LaserJet (Office)', 'HP Universal Printing PCL 6', '192.168.1.40', null],
    ]);
    expect(queues[1]!.snapshot).toMatchObject({ PortHostAddress: '192.168.1.40', PortNumber: '9100', Shared: 'true', Location: 'Back office' });
    expect(queues.map(isReceiptPrinter)).toEqual([true, false]);
  });

  it('one printer comes as an object, none as nothing, and a bare Get-Printer array is read too', () => {
    const one = JSON.stringify({ printers: { Name: 'POS-80', DriverName: 'Generic / Text Only', PortName: 'USB002' }, ports: { Name: 'USB002' } });
    expect(parseGetPrinter(one)).toMatchObject([{ name: 'POS-80', driver: 'Generic / Text Only', port: 'USB002' }]);
    expect(isReceiptPrinter(parseGetPrinter(one)[0]!)).toBe(true);
    expect(parseGetPrinter('')).toEqual([]);
    expect(parseGetPrinter('{"printers":[],"ports":[]}')).toEqual([]);
    expect(parseGetPrinter('[{"Name":"A","DriverName":"D","PortName":"LPT1:"}]')).toMatchObject([{ name: 'A', port: 'LPT1:' }]);
  });

  it('output that is not JSON is an error that quotes only its start', () => {
    const err = (() => {
      try {
        parseGetPrinter('Get-Printer : The term is not recognized ' + 'x'.repeat(5000));
      } catch (e) {
        return e as SpoolerError;
      }
    })();
    expect(err).toBeInstanceOf(SpoolerError);
    expect(err!.message).toMatch(/not JSON/);
    expect(err!.message.length).toBeLessThan(300);
  });
});

describe('PowerShell commands', () => {
  it('are argv arrays with a fixed, encoded script; names travel only as $env:TP_* values', () => {
    const hostile = `EPSON'; Remove-Item -Recurse C:\\ ; "$(calc)"`;
    const cmd = powershellCommand(WINDOWS_SCRIPTS.setPort, { TP_QUEUE: hostile, TP_PORT: 'USB001' });
    expect(cmd.file).toBe('powershell.exe');
    expect(cmd.args.slice(0, 5)).toEqual(['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand']);
    expect(script(cmd)).toContain('Set-Printer -Name $env:TP_QUEUE -PortName $env:TP_PORT');
    expect(script(cmd)).toContain("$ErrorActionPreference = 'Stop'");
    expect(script(cmd)).not.toContain('EPSON');
    expect(cmd.args.join(' ')).not.toContain('EPSON');
    expect(cmd.env).toEqual({ TP_QUEUE: hostile, TP_PORT: 'USB001' });
    expect(() => powershellCommand('x', { PATH: 'C:\\evil' })).toThrow(/TP_/);
  });

  it('take-over, release and RAW printing build the commands the spooler needs', async () => {
    const ran: PowerShellCommand[] = [];
    const spooler = new WindowsSpooler(async (cmd) => {
      ran.push(cmd);
      return script(cmd).includes('Get-Printer | Select-Object') ? TWO_PRINTERS : '';
    });
    const receipt = (await spooler.get('EPSON TM-T20II Receipt'))!;
    expect(spooler.directRoute(receipt)).toBeNull();
    expect(spooler.directRoute((await spooler.get('HP LaserJet (Office)'))!)).toEqual({ tcp: '192.168.1.40:9100' });

    ran.length = 0;
    await spooler.createDirect(spooler.directQueueName(receipt.name), receipt);
    expect(await spooler.pointAtBridge(receipt.name, 40123)).toBe('TaxPoynt_127.0.0.1_40123');
    await spooler.setPort(receipt.name, 'USB001');
    await spooler.removeDirect(spooler.directQueueName(receipt.name));
    await spooler.removeBridgePort('TaxPoynt_127.0.0.1_40123');
    await spooler.removeBridgePort('USB001');
    await spooler.printRaw('EPSON TM-T20II Receipt (TaxPoynt direct)', Uint8Array.from([0x1b, 0x40, 0x00, 0xff]));
    expect(ran.map((c) => c.env)).toMatchObject([
      { TP_DIRECT: 'EPSON TM-T20II Receipt (TaxPoynt direct)', TP_DRIVER: 'EPSON TM-T20II Receipt5', TP_PORT: 'USB001' },
      { TP_QUEUE: 'EPSON TM-T20II Receipt', TP_PORT: 'TaxPoynt_127.0.0.1_40123', TP_PORT_NUMBER: '40123' },
      { TP_QUEUE: 'EPSON TM-T20II Receipt', TP_PORT: 'USB001' },
      { TP_DIRECT: 'EPSON TM-T20II Receipt (TaxPoynt direct)' },
      { TP_PORT: 'TaxPoynt_127.0.0.1_40123' },
      { TP_QUEUE: 'EPSON TM-T20II Receipt (TaxPoynt direct)' },
    ]);
    // The original USB port is never removed; only the bridge's own TCP/IP port is.
    expect(ran).toHaveLength(6);
    expect(script(ran[0]!)).toMatch(/Add-Printer -Name \$env:TP_DIRECT -DriverName \$env:TP_DRIVER -PortName \$env:TP_PORT/);
    expect(script(ran[1]!)).toMatch(/Add-PrinterPort -Name \$env:TP_PORT -PrinterHostAddress 127\.0\.0\.1 -PortNumber/);
    expect(script(ran[5]!)).toMatch(/pDataType = "RAW"/);
    expect(script(ran[5]!)).toMatch(/WritePrinter/);
    expect(ran[5]!.env.TP_FILE).toMatch(/job\.bin$/);
  });

  it('access denied becomes "run it as administrator", never for capture', () => {
    expect(isAccessDenied('Set-Printer : Access was denied to the specified resource.')).toBe(true);
    expect(isAccessDenied('Set-Printer : The specified printer was not found.')).toBe(false);
    expect(isAccessDenied('Add-PrinterPort : Access is denied. (0x80070005)')).toBe(true);
    expect(isAccessDenied('CategoryInfo : PermissionDenied: (MSFT_Printer)')).toBe(true);
  });

  it('printer names: spaces, quotes and ";" are data; "\\\\", "," and control characters are refused, as are 10 kB', () => {
    expect(windowsQueueNameProblem('EPSON TM-T20II Receipt')).toBeNull();
    expect(windowsQueueNameProblem('; rm -rf "x"')).toBeNull();
    expect(windowsQueueNameProblem('\\\\server\\share')).toMatch(/no "\\"/);
    expect(windowsQueueNameProblem('a,b')).toMatch(/","/);
    expect(windowsQueueNameProblem('a\nb')).toMatch(/control/);
    expect(windowsQueueNameProblem('x'.repeat(10_000))).toMatch(/1–200/);
  });
});
