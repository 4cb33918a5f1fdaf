export {
  KEK_BYTES,
  type KeyEncryptionKey,
  KeyError,
  keyEncryptionKey,
  openText,
  SEALED_LABELS,
  sealKeyCheck,
  sealText,
  verifyKeyCheck,
} from './kek.ts';
export { type KeysConfig, keyFilePath, type LoadedKek, loadKeyEncryptionKey } from './source.ts';
