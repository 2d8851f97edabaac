package esdk

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"maps"
	"math/big"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

var randReader = rand.Reader

// KMSDecryptAPI is the KMS call Decrypt makes. *kms.Client implements it.
type KMSDecryptAPI interface {
	Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

// Decrypt opens a message as the SDK's strict KMS keyring does for keyARN: it unwraps the
// "aws-kms" data key whose provider info is keyARN with KMS Decrypt (KeyId pinned, the
// message's encryption context), then checks the header, every frame and the signature before
// returning the plaintext and the encryption context (the public key included). A message that
// does not authenticate is ErrAuthentication; a KMS failure is returned wrapped.
func Decrypt(ctx context.Context, api KMSDecryptAPI, keyARN string, b []byte) ([]byte, map[string]string, error) {
	m, err := Parse(b)
	if err != nil {
		return nil, nil, err
	}
	pub, err := m.publicKey()
	if err != nil {
		return nil, nil, err
	}
	var blob []byte
	for _, k := range m.DataKeys {
		if k.ProviderID == ProviderID && k.ProviderInfo == keyARN {
			blob = k.Ciphertext
			break
		}
	}
	if blob == nil {
		return nil, nil, fmt.Errorf("%w: no data key for %s", ErrFormat, keyARN)
	}
	kctx, cancel := context.WithTimeout(ctx, DefaultTimeout)
	defer cancel()
	out, err := api.Decrypt(kctx, &kms.DecryptInput{KeyId: aws.String(keyARN), CiphertextBlob: blob, EncryptionContext: maps.Clone(m.EncryptionContext)})
	if err != nil {
		return nil, nil, fmt.Errorf("esdk: KMS Decrypt with %s: %w", keyARN, err)
	}
	defer clear(out.Plaintext)
	if len(out.Plaintext) != dataKeyLen {
		return nil, nil, fmt.Errorf("%w: a %d-byte data key", ErrAuthentication, len(out.Plaintext))
	}
	digest := sha512.Sum384(m.Signed)
	if !ecdsa.VerifyASN1(pub, digest[:], m.Signature) {
		return nil, nil, fmt.Errorf("%w: signature", ErrAuthentication)
	}
	aead, err := contentCipher(out.Plaintext, m.MessageID)
	if err != nil {
		return nil, nil, err
	}
	if _, err := aead.Open(nil, m.HeaderIV, m.HeaderTag, m.Header); err != nil {
		return nil, nil, fmt.Errorf("%w: header", ErrAuthentication)
	}
	var plaintext []byte
	for _, f := range m.Frames {
		sealed := append(append([]byte{}, f.Ciphertext...), f.Tag...)
		plaintext, err = aead.Open(plaintext, f.IV, sealed, bodyAAD(m.MessageID, f.Final, f.Sequence, len(f.Ciphertext)))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: frame %d", ErrAuthentication, f.Sequence)
		}
	}
	return plaintext, m.EncryptionContext, nil
}

// publicKey is the signature's key from the encryption context.
func (m *Message) publicKey() (*ecdsa.PublicKey, error) {
	raw, err := base64.StdEncoding.DecodeString(m.EncryptionContext[PublicKeyContext])
	if err != nil || len(raw) == 0 {
		return nil, fmt.Errorf("%w: no public key in the encryption context", ErrFormat)
	}
	return decompress(raw)
}

// decompress reads a compressed P-384 point (0x02/0x03 || X), checking it is on the curve.
func decompress(b []byte) (*ecdsa.PublicKey, error) {
	params := elliptic.P384().Params()
	size := (params.BitSize + 7) / 8
	if len(b) != 1+size || (b[0] != 2 && b[0] != 3) {
		return nil, fmt.Errorf("%w: not a compressed P-384 key", ErrFormat)
	}
	x := new(big.Int).SetBytes(b[1:])
	if x.Cmp(params.P) >= 0 {
		return nil, fmt.Errorf("%w: not a P-384 key", ErrFormat)
	}
	// y² = x³ - 3x + b (mod p)
	y2 := new(big.Int).Exp(x, big.NewInt(3), params.P)
	y2.Sub(y2, new(big.Int).Mul(x, big.NewInt(3)))
	y2.Add(y2, params.B)
	y2.Mod(y2, params.P)
	y := new(big.Int).ModSqrt(y2, params.P)
	if y == nil {
		return nil, fmt.Errorf("%w: not a P-384 point", ErrFormat)
	}
	if y.Bit(0) != uint(b[0]&1) {
		y.Sub(params.P, y)
	}
	uncompressed := make([]byte, 1+2*size)
	uncompressed[0] = 4
	x.FillBytes(uncompressed[1 : 1+size])
	y.FillBytes(uncompressed[1+size:])
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P384(), uncompressed)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	return pub, nil
}
