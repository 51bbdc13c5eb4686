// What the agent hears: the server's audio stream played through an <audio> element and, for
// tests and level meters, analysed by Web Audio. `window.__kefuAudio.peakHz()` is the frequency
// of the loudest bin in the telephone band (what the end-to-end test asks the page).

export interface AudioProbe {
  /** The frequency (Hz) of the loudest bin between 200 and 3400 Hz, or null in silence. */
  peakHz(): number | null;
  /** The loudest bin's level in dBFS (−Infinity in silence). */
  peakDb(): number;
}

declare global {
  interface Window {
    __kefuAudio?: AudioProbe;
  }
}

export const BAND = { low: 200, high: 3400 } as const;

/** The loudest bin of `db` (one value per bin of `binHz`) within the band, as a frequency. */
export function peakOf(db: ArrayLike<number>, binHz: number, low = BAND.low, high = BAND.high): { hz: number; db: number } | null {
  let best = -1;
  let bestDb = -Infinity;
  const first = Math.max(0, Math.ceil(low / binHz));
  const last = Math.min(db.length - 1, Math.floor(high / binHz));
  for (let i = first; i <= last; i++) {
    const v = db[i] ?? -Infinity;
    if (v > bestDb) {
      bestDb = v;
      best = i;
    }
  }
  // The analyser reports about −100 dBFS (or −Infinity) for digital silence.
  return best < 0 || bestDb < -90 ? null : { hz: best * binHz, db: bestDb };
}

let context: AudioContext | null = null;
let source: MediaStreamAudioSourceNode | null = null;

/** Analyses `stream` and exposes the result as `window.__kefuAudio`. */
export function probeRemoteAudio(stream: MediaStream): void {
  if (typeof window === 'undefined' || typeof window.AudioContext !== 'function') return;
  context ??= new AudioContext();
  void context.resume().catch(() => undefined);
  source?.disconnect();
  source = context.createMediaStreamSource(stream);
  const analyser = context.createAnalyser();
  analyser.fftSize = 8192;
  // No smoothing: Chrome smooths once per read, not per render quantum, so a rarely read
  // analyser would still show a tone that stopped seconds ago.
  analyser.smoothingTimeConstant = 0;
  source.connect(analyser);
  const bins = new Float32Array(analyser.frequencyBinCount);
  const binHz = context.sampleRate / analyser.fftSize;
  const read = () => {
    analyser.getFloatFrequencyData(bins);
    return peakOf(bins, binHz);
  };
  window.__kefuAudio = {
    peakHz: () => read()?.hz ?? null,
    peakDb: () => read()?.db ?? -Infinity,
  };
}
