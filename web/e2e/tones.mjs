// Audio for the call end-to-end test: a G.711 μ-law codec, tone generators, a level meter
// (one DFT bin), a WAV writer for Chromium's fake microphone, and the caller's RTP "phone".

import dgram from 'node:dgram';

const BIAS = 0x84;
const CLIP = 32_635;

/** One 16-bit sample → one μ-law byte (ITU-T G.711). */
export function muLawEncode(sample) {
  let s = Math.max(-32_768, Math.min(32_767, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  s = Math.min(s, CLIP) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** One μ-law byte → one 16-bit sample. */
export function muLawDecode(byte) {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + BIAS) << exponent) - BIAS;
  return u & 0x80 ? -magnitude : magnitude;
}

/** Amplitude of the `hz` component of `samples` taken at `rate` (a single DFT bin). */
export function levelAt(samples, hz, rate = 8_000) {
  let s = 0;
  let c = 0;
  for (let i = 0; i < samples.length; i++) {
    const w = (2 * Math.PI * hz * i) / rate;
    s += samples[i] * Math.sin(w);
    c += samples[i] * Math.cos(w);
  }
  return (2 * Math.sqrt(s * s + c * c)) / Math.max(1, samples.length);
}

/** A mono 16-bit PCM WAV file of a sine tone (a whole number of cycles, so it loops cleanly). */
export function toneWav(hz, seconds, rate = 48_000, amplitude = 12_000) {
  const n = Math.round(seconds * rate);
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28); // bytes per second
  header.writeUInt16LE(2, 32); // bytes per frame
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** The RTP payload of a packet (after the header, CSRCs and any extension), with its type. */
export function rtpPayload(packet) {
  if (packet.length < 12 || packet[0] >> 6 !== 2) return null;
  let offset = 12 + (packet[0] & 0x0f) * 4;
  if (packet[0] & 0x10) {
    if (packet.length < offset + 4) return null;
    offset += 4 + packet.readUInt16BE(offset + 2) * 4;
  }
  let end = packet.length;
  if (packet[0] & 0x20) end -= packet[end - 1];
  if (end < offset) return null;
  return { type: packet[1] & 0x7f, payload: packet.subarray(offset, end) };
}

/**
 * The caller's audio: a UDP socket on an even port of 127.0.0.1. Once Kefu's first RTP packet
 * arrives (Kefu plays hold music first), it sends 20 ms PCMU packets of a `hz` tone to where that
 * packet came from, and keeps every PCMU payload it receives, decoded, in `heard`.
 */
export async function rtpPhone(hz) {
  let socket;
  for (let tries = 0; tries < 50 && !socket; tries++) {
    const s = dgram.createSocket('udp4');
    await new Promise((resolve, reject) => {
      s.once('error', reject);
      s.bind(0, '127.0.0.1', resolve);
    });
    if (s.address().port % 2 === 0) socket = s;
    else s.close();
  }
  if (!socket) throw new Error('no even UDP port for the RTP phone');
  const phone = { port: socket.address().port, heard: [], packets: 0, kefu: null };
  socket.on('message', (packet, from) => {
    const rtp = rtpPayload(packet);
    if (!rtp) return;
    phone.kefu ??= { address: from.address, port: from.port };
    phone.packets++;
    if (rtp.type === 0) for (const b of rtp.payload) phone.heard.push(muLawDecode(b));
  });
  let seq = 0;
  const ssrc = 0x0ca11e55;
  const timer = setInterval(() => {
    if (!phone.kefu) return;
    const packet = Buffer.alloc(12 + 160);
    packet[0] = 0x80;
    packet[1] = (seq === 0 ? 0x80 : 0) | 0; // marker on the first packet, PCMU
    packet.writeUInt16BE(seq & 0xffff, 2);
    packet.writeUInt32BE((seq * 160) >>> 0, 4);
    packet.writeUInt32BE(ssrc, 8);
    for (let i = 0; i < 160; i++) {
      const n = seq * 160 + i;
      packet[12 + i] = muLawEncode(8_000 * Math.sin((2 * Math.PI * hz * n) / 8_000));
    }
    seq++;
    socket.send(packet, phone.kefu.port, phone.kefu.address);
  }, 20);
  phone.close = () => {
    clearInterval(timer);
    socket.close();
  };
  return phone;
}
