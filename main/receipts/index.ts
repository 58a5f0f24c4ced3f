// Receipts stage: decoded receipt → validated, masked Transaction (parser, profiles, validation, PAN masking).
export { parseReceipt, type ParseContext, type ParseResult } from './parse.js';
export { loadProfile, listProfiles, resolveProfileName, jsonSyntaxProblem, validateProfile, profileId, ProfileSchema, ProfileError, type Profile, type ProfileOptions } from './profile.js';
export { validateTransaction, showMoney } from './validate.js';
export { findPans, maskPans, luhnValid, type PanMatch } from './pan.js';
export { TransactionSchema, transactionId, Integration, type Transaction } from './transaction.js';
export { formatKobo, koboFromMoney, type Kobo } from './money.js';
export { parseReadReceipt, readingVerdict, amountReading, MIN_FIELD_CONFIDENCE, type OcrEvidence } from './ocr.js';
