export {
  type CredentialBinding,
  type CredentialsCipher,
  CredentialsCipherError,
  type CredentialsCipherOptions,
  createCredentialsCipher,
} from "./credentials-cipher.ts";
