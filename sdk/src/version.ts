/** The SDK's own semver: plugins' `engines.sdk` ranges are checked against this, never against kernel internals. */
export const SDK_VERSION = '1.0.0';
