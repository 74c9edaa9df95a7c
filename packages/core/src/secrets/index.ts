export {
  type CredentialsCipher,
  CredentialsCipherError,
  createCredentialsCipher,
} from "./credentials-cipher.ts";
