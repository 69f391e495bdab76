// Attack lists the gateway's unit tests and the reliability suite (against a spawned gateway) share.
export { encodeSegment, type JwtAttack, jwtAttacks, signToken, type TokenIssuer } from './jwt-attacks.js';
export { pathAttacks, smugglingAttacks } from './raw-attacks.js';
export { rawRequest } from './raw-request.js';
