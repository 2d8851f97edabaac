package esdk

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/sha512"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// KMSAPI is the KMS call Encrypt makes. *kms.Client implements it.
type KMSAPI interface {
	Encrypt(ctx context.Context, in *kms.EncryptInput, optFns ...func(*kms.Options)) (*kms.EncryptOutput, error)
}

// DefaultTimeout bounds one KMS call when Config.Timeout is zero: KMS answers in milliseconds,
// and a code that waits longer than this is a call that fails anyway.
const DefaultTimeout = 3 * time.Second

// Config configures an Encrypter.
type Config struct {
	// Timeout bounds each KMS call (SDK retries included); 0 is DefaultTimeout. The caller's
	// context still applies when it is shorter.
	Timeout time.Duration
	// Rand is the source of data keys, message ids and signing keys; nil is crypto/rand.
	Rand io.Reader
}

// Encrypter makes messages under KMS keys.
type Encrypter struct {
	api     KMSAPI
	timeout time.Duration
	rand    io.Reader
}

// New returns an Encrypter that wraps data keys with api. It makes no KMS call.
func New(api KMSAPI, cfg Config) (*Encrypter, error) {
	if api == nil {
		return nil, errors.New("esdk: an Encrypter needs a KMS client")
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("esdk: negative KMS timeout %v", cfg.Timeout)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Rand == nil {
		cfg.Rand = randReader
	}
	return &Encrypter{api: api, timeout: cfg.Timeout, rand: cfg.Rand}, nil
}

// Encrypt returns the message of plaintext under the KMS key keyID (an ARN, a key id or an
// alias; the message names the key by the ARN KMS answers with) and the encryption context ec,
// which must not use the SDK's reserved "aws-crypto-" keys. It makes one KMS Encrypt call.
func (e *Encrypter) Encrypt(ctx context.Context, keyID string, ec map[string]string, plaintext []byte) ([]byte, error) {
	if strings.TrimSpace(keyID) == "" {
		return nil, errors.New("esdk: no KMS key")
	}
	for k := range ec {
		if strings.HasPrefix(k, reservedPrefix) {
			return nil, fmt.Errorf("esdk: encryption context key %q is reserved", k)
		}
	}
	signer, err := ecdsa.GenerateKey(elliptic.P384(), e.rand)
	if err != nil {
		return nil, fmt.Errorf("esdk: signing key: %w", err)
	}
	pub, err := compressed(&signer.PublicKey)
	if err != nil {
		return nil, err
	}
	ec = maps.Clone(ec)
	if ec == nil {
		ec = map[string]string{}
	}
	ec[PublicKeyContext] = base64.StdEncoding.EncodeToString(pub)

	dataKey := make([]byte, dataKeyLen)
	defer clear(dataKey)
	messageID := make([]byte, messageIDLen)
	if _, err := io.ReadFull(e.rand, dataKey); err != nil {
		return nil, fmt.Errorf("esdk: data key: %w", err)
	}
	if _, err := io.ReadFull(e.rand, messageID); err != nil {
		return nil, fmt.Errorf("esdk: message id: %w", err)
	}
	edk, err := e.wrap(ctx, keyID, ec, dataKey)
	if err != nil {
		return nil, err
	}
	header, err := headerBody(messageID, ec, []EncryptedDataKey{edk})
	if err != nil {
		return nil, err
	}
	aead, err := contentCipher(dataKey, messageID)
	if err != nil {
		return nil, err
	}
	zeroIV := make([]byte, ivLen)
	msg := append(header, zeroIV...)
	msg = aead.Seal(msg, zeroIV, nil, header)
	msg = appendFrames(msg, aead, messageID, plaintext)
	sig, err := sign(e.rand, signer, msg)
	if err != nil {
		return nil, err
	}
	msg = binary.BigEndian.AppendUint16(msg, uint16(len(sig)))
	return append(msg, sig...), nil
}

// wrap encrypts the data key under keyID with the message's whole encryption context, the
// context the SDK's KMS keyrings send KMS Decrypt.
func (e *Encrypter) wrap(ctx context.Context, keyID string, ec map[string]string, dataKey []byte) (EncryptedDataKey, error) {
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	out, err := e.api.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: dataKey, EncryptionContext: maps.Clone(ec)})
	if err != nil {
		return EncryptedDataKey{}, fmt.Errorf("esdk: KMS Encrypt with %s: %w", keyID, err)
	}
	arn := aws.ToString(out.KeyId)
	// The keyrings find their data key by the key's ARN; a message naming anything else could
	// not be decrypted by a strict keyring.
	if !strings.HasPrefix(arn, "arn:") || len(out.CiphertextBlob) == 0 {
		return EncryptedDataKey{}, fmt.Errorf("esdk: KMS Encrypt with %s answered key %q and a %d-byte blob", keyID, arn, len(out.CiphertextBlob))
	}
	return EncryptedDataKey{ProviderID: ProviderID, ProviderInfo: arn, Ciphertext: out.CiphertextBlob}, nil
}

// contentCipher is AES-256-GCM under the key HKDF-SHA384 derives from the data key: no salt
// (the extract step's zero salt), info the suite id and the message id.
func contentCipher(dataKey, messageID []byte) (cipher.AEAD, error) {
	info := binary.BigEndian.AppendUint16(nil, Suite)
	info = append(info, messageID...)
	key, err := hkdf.Key(sha512.New384, dataKey, nil, string(info), dataKeyLen)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// appendFrames encrypts plaintext as regular frames of FrameLength and a final frame with the
// rest (possibly empty).
func appendFrames(msg []byte, aead cipher.AEAD, messageID, plaintext []byte) []byte {
	seq := uint32(1)
	for ; len(plaintext) > FrameLength; seq++ {
		iv := frameIV(seq)
		msg = binary.BigEndian.AppendUint32(msg, seq)
		msg = append(msg, iv...)
		msg = aead.Seal(msg, iv, plaintext[:FrameLength], bodyAAD(messageID, false, seq, FrameLength))
		plaintext = plaintext[FrameLength:]
	}
	iv := frameIV(seq)
	msg = binary.BigEndian.AppendUint32(msg, finalMarker)
	msg = binary.BigEndian.AppendUint32(msg, seq)
	msg = append(msg, iv...)
	msg = binary.BigEndian.AppendUint32(msg, uint32(len(plaintext)))
	return aead.Seal(msg, iv, plaintext, bodyAAD(messageID, true, seq, len(plaintext)))
}

// compressed is the SEC 1 compressed form of a P-384 public key: 0x02 or 0x03 (Y's parity),
// then X.
func compressed(pub *ecdsa.PublicKey) ([]byte, error) {
	b, err := pub.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, err
	}
	size := (len(b) - 1) / 2
	out := append([]byte{0x02 | b[len(b)-1]&1}, b[1:1+size]...)
	return out, nil
}

// ecdsaSig is the ASN.1 ECDSA-Sig-Value.
type ecdsaSig struct{ R, S *big.Int }

// sign signs SHA-384(msg) and returns a DER signature of SignatureLength bytes with a low S, as
// the SDKs' signers do (they fix the length so a message's size does not vary with its
// signature): S above n/2 becomes n-S, and a signature whose R is too short to reach the
// length is drawn again.
func sign(rnd io.Reader, key *ecdsa.PrivateKey, msg []byte) ([]byte, error) {
	digest := sha512.Sum384(msg)
	n := elliptic.P384().Params().N
	half := new(big.Int).Rsh(n, 1)
	for range 64 {
		der, err := ecdsa.SignASN1(rnd, key, digest[:])
		if err != nil {
			return nil, fmt.Errorf("esdk: signing: %w", err)
		}
		var sig ecdsaSig
		if rest, err := asn1.Unmarshal(der, &sig); err != nil || len(rest) != 0 {
			return nil, fmt.Errorf("esdk: signing: unreadable signature: %v", err)
		}
		if sig.S.Cmp(half) > 0 {
			sig.S.Sub(n, sig.S)
		}
		if der, err = asn1.Marshal(sig); err != nil {
			return nil, err
		}
		if len(der) == SignatureLength {
			return der, nil
		}
	}
	return nil, errors.New("esdk: no signature of the SDK's length in 64 tries")
}
