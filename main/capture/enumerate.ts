// Enumeration of what is plugged in: serial ports (serialport) and HID devices (node-hid), for `devices` and the tray.
import { SerialPort } from 'serialport';
import { loadNodeHid, type HidBinding } from './hid-source.js';

export interface SerialPortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

export interface HidDeviceInfo {
  path: string | null;
  vendorId: string;
  productId: string;
  product?: string;
  manufacturer?: string;
}

export async function listSerialPorts(): Promise<SerialPortInfo[]> {
  const ports = await SerialPort.list();
  return ports.map((p) => ({
    path: p.path,
    ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}),
    ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}),
    ...(p.vendorId ? { vendorId: p.vendorId } : {}),
    ...(p.productId ? { productId: p.productId } : {}),
  }));
}

const hex4 = (n: number) => n.toString(16).padStart(4, '0');

export async function listHidDevices(binding?: HidBinding): Promise<HidDeviceInfo[]> {
  const hid = binding ?? (await loadNodeHid());
  return hid.devices().map((d) => ({
    path: d.path ?? null,
    vendorId: hex4(d.vendorId),
    productId: hex4(d.productId),
    ...(d.product ? { product: d.product } : {}),
    ...(d.manufacturer ? { manufacturer: d.manufacturer } : {}),
  }));
}
