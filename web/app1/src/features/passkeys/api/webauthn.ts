// The one module that loads @simplewebauthn/browser, always with import():
// the sign-in page, the second-factor page and the account page share this
// chunk, and no page pays for it before a passkey is used.
export { startAuthentication, startRegistration } from '@simplewebauthn/browser';
export { describePasskeyError } from './passkey-errors';
