package envelope

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// MasterKey wraps and unwraps data keys. Implementations: LocalMasterKey (a key file, for
// `cognate serve` and tests) and, later, a KMS key. Implementations must be safe for concurrent
// use.
type MasterKey interface {
	// GenerateDataKey returns a fresh 32-byte data key in clear and the same key wrapped.
	GenerateDataKey(ctx context.Context) (plaintext, wrapped []byte, err error)
	// Decrypt unwraps a data key produced by GenerateDataKey of this master key.
	Decrypt(ctx context.Context, wrapped []byte) ([]byte, error)
	// ID names the master key (for logs and operators); it is not secret.
	ID() string
}

// DataKeySize is the size of every data key: AES-256.
const DataKeySize = 32

// localWrapVersion heads every key wrapped by a LocalMasterKey, so the format can change later.
const localWrapVersion = 1

// localWrapAAD binds wrapped data keys to their purpose, the way the KMS master key will use an
// encryption context: a LocalMasterKey file reused for something else cannot be fed our blobs.
var localWrapAAD = []byte("cognate/envelope/local-master-key/v1 data key")

// LocalMasterKey wraps data keys with AES-256-GCM under a 32-byte key held in memory (read from
// a file by LoadOrCreateLocalMasterKey). It is for local mode and tests: in Lambda the master key
// is a KMS key that never leaves KMS.
type LocalMasterKey struct {
	aead cipher.AEAD
	id   string
}

var _ MasterKey = (*LocalMasterKey)(nil)

// NewLocalMasterKey uses key (exactly 32 bytes) as a master key. key is copied.
func NewLocalMasterKey(key []byte) (*LocalMasterKey, error) {
	if len(key) != DataKeySize {
		return nil, fmt.Errorf("envelope: local master key must be %d bytes, got %d", DataKeySize, len(key))
	}
	block, err := aes.NewCipher(key) // copies the key into its schedule
	if err != nil {
		return nil, fmt.Errorf("envelope: local master key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("envelope: local master key: %w", err)
	}
	// The ID is a one-way fingerprint: it tells two key files apart in logs without revealing
	// anything usable about the key.
	fp := sha256.Sum256(append([]byte("cognate/envelope/local-master-key-id\x00"), key...))
	return &LocalMasterKey{aead: aead, id: "local:" + hex.EncodeToString(fp[:8])}, nil
}

// ID returns "local:" and a fingerprint of the key.
func (k *LocalMasterKey) ID() string { return k.id }

// GenerateDataKey draws a data key from crypto/rand and wraps it:
// version byte || 12-byte nonce || GCM(data key).
func (k *LocalMasterKey) GenerateDataKey(ctx context.Context) (plaintext, wrapped []byte, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	plaintext = make([]byte, DataKeySize)
	if _, err := io.ReadFull(rand.Reader, plaintext); err != nil {
		return nil, nil, fmt.Errorf("envelope: generating data key: %w", err)
	}
	wrapped = make([]byte, 1+k.aead.NonceSize(), 1+k.aead.NonceSize()+DataKeySize+k.aead.Overhead())
	wrapped[0] = localWrapVersion
	if _, err := io.ReadFull(rand.Reader, wrapped[1:]); err != nil {
		return nil, nil, fmt.Errorf("envelope: generating nonce: %w", err)
	}
	wrapped = k.aead.Seal(wrapped, wrapped[1:], plaintext, localWrapAAD)
	return plaintext, wrapped, nil
}

// Decrypt unwraps a data key wrapped by this master key; anything else returns ErrInvalid.
func (k *LocalMasterKey) Decrypt(ctx context.Context, wrapped []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ns := k.aead.NonceSize()
	if len(wrapped) != 1+ns+DataKeySize+k.aead.Overhead() || wrapped[0] != localWrapVersion {
		return nil, fmt.Errorf("%w: wrapped data key has the wrong shape", ErrInvalid)
	}
	pt, err := k.aead.Open(nil, wrapped[1:1+ns], wrapped[1+ns:], localWrapAAD)
	if err != nil {
		return nil, fmt.Errorf("%w: data key was not wrapped by master key %s", ErrInvalid, k.id)
	}
	return pt, nil
}

// LoadOrCreateLocalMasterKey reads the master key at path (base64 of 32 bytes), or creates it
// with a fresh random key, mode 0600, when it does not exist. The file is created atomically
// (written aside, then hard-linked into place), so two processes starting together end up with
// the same key, and a crash never leaves a half-written key behind. A key file readable or
// writable by group or others is refused, as ssh refuses a loose private key: every secret at
// rest depends on it.
func LoadOrCreateLocalMasterKey(path string) (*LocalMasterKey, error) {
	k, err := loadLocalMasterKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if err := createLocalMasterKey(path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	// Whether we created it or another process beat us to it, the file on disk is the key.
	return loadLocalMasterKey(path)
}

func loadLocalMasterKey(path string) (*LocalMasterKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // keeps fs.ErrNotExist visible to the caller above
	}
	defer func() { _ = f.Close() }() // read only
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("envelope: master key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("envelope: master key file %s is not a regular file", path)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("envelope: master key file %s has mode %v; it must be readable by its owner only (chmod 600)", path, fi.Mode().Perm())
	}
	raw, err := io.ReadAll(io.LimitReader(f, 1024))
	if err != nil {
		return nil, fmt.Errorf("envelope: reading master key file: %w", err)
	}
	key, err := base64.StdEncoding.Strict().DecodeString(string(bytes.TrimSpace(raw)))
	if err != nil || len(key) != DataKeySize {
		return nil, fmt.Errorf("envelope: master key file %s does not hold base64 of %d bytes", path, DataKeySize)
	}
	return NewLocalMasterKey(key)
}

func createLocalMasterKey(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("envelope: creating master key directory: %w", err)
	}
	key := make([]byte, DataKeySize)
	if _, err := io.ReadFull(rand.Reader, key); err != nil {
		return fmt.Errorf("envelope: generating master key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".masterkey-*") // created 0600
	if err != nil {
		return fmt.Errorf("envelope: creating master key file: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // once linked, a leftover name; before, a partial file
	_, werr := tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("envelope: writing master key file: %w", werr)
	}
	// Link, unlike rename, fails when path exists: the first writer wins and nobody's key is
	// silently replaced (which would make everything sealed under it unreadable).
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		return fmt.Errorf("envelope: installing master key file: %w", err)
	}
	return nil
}
