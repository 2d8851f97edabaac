package signer

import (
	"io"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/envelope"
	"github.com/cognatehq/cognate/pkg/store"
)

// NewKMSEnvelope returns the "kms-envelope" signer mode: Local, with private keys sealed by an
// envelope.Sealer over an envelope.KMSMasterKey on the symmetric KMS key keyID (an ARN in
// production), with the master key's default app name and timeout. For other settings, build
// the same thing by hand:
//
//	mk, err := envelope.NewKMSMasterKey(api, envelope.KMSMasterKeyConfig{KeyID: arn, App: app})
//	s := signer.NewLocal(tbl, envelope.NewSealer(mk, nil), clk, r)
//
// Each pool's RSA-2048 keys are generated in process from crypto/rand when EnsurePoolKeys first
// runs (not with KMS GenerateDataKeyPair: see Mode), sealed under a KMS data key and stored in
// the Table. A process pays one KMS GenerateDataKey when it first seals and one KMS Decrypt per
// distinct data key it meets when it first signs (the Sealer caches unwrapped data keys, Local
// caches unsealed private keys), so a cold start signs its first token after one Decrypt and every
// later token in ~1 ms without KMS. Processes that only verify or serve the JWKS never call KMS.
//
// api is typically a *kms.Client. No KMS call is made here.
func NewKMSEnvelope(tbl store.Table, api envelope.KMSAPI, keyID string, clk clock.Clock, r io.Reader) (*Local, error) {
	mk, err := envelope.NewKMSMasterKey(api, envelope.KMSMasterKeyConfig{KeyID: keyID})
	if err != nil {
		return nil, err
	}
	return NewLocal(tbl, envelope.NewSealer(mk, nil), clk, r), nil
}
