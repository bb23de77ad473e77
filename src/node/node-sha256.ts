import { hash } from 'node:crypto';

/** SHA-256 as hex, synchronous: over long audit chains much faster than a Web Crypto call per event. */
export const nodeSha256 = (text: string): string => hash('sha256', text, 'hex');
