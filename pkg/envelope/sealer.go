package envelope

import (
	"container/list"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
)

// ErrInvalid: a blob (or wrapped data key) is malformed, was altered, or is presented with an
// aad other than the one it was sealed with. It never means "try again".
var ErrInvalid = errors.New("envelope: invalid, altered, or out-of-context ciphertext")

const (
	blobVersion = 1
	nonceSize   = 12 // GCM standard nonce
	tagSize     = 16
	// maxWrappedKey bounds the wrapped-key length field: a KMS CiphertextBlob for a 32-byte key
	// is under 200 bytes, so anything near this limit is garbage, not a key.
	maxWrappedKey = 1024
	// defaultMaxSeals retires a data key long before random 96-bit nonces get risky: NIST
	// SP 800-38D caps one GCM key at 2^32 random-nonce encryptions.
	defaultMaxSeals = 1 << 30
	// defaultCacheSize bounds the decrypted data keys kept in memory. Each process (each Lambda
	// cold start) seals under its own data key, so a long-lived reader meets many; without a
	// bound a table full of old blobs would grow memory forever.
	defaultCacheSize = 1024
)

// Sealer encrypts secrets at rest under a data key from its MasterKey. It is safe for concurrent
// use. The zero value is not usable; build one with NewSealer.
type Sealer struct {
	mk        MasterKey
	rand      io.Reader
	maxSeals  uint64
	cacheSize int

	genMu sync.Mutex // one GenerateDataKey at a time: concurrent first Seals share one key

	mu    sync.Mutex // guards everything below, and reads of rand
	cur   *dataKey
	seals uint64 // seals done with cur
	lru   *list.List
	byKey map[[sha256.Size]byte]*list.Element
}

// dataKey is an unwrapped data key ready to use, plus the blob header that names it.
type dataKey struct {
	id     [sha256.Size]byte // SHA-256 of the wrapped key: a fixed-size cache key
	aead   cipher.AEAD
	header []byte // version || len || wrapped key
}

// NewSealer returns a Sealer over mk. r supplies GCM nonces (nil means crypto/rand.Reader); it
// is read under the Sealer's lock, so it need not be safe for concurrent use. No master-key call
// happens until the first Seal or Open, so a process that only opens never needs the right to
// generate data keys.
func NewSealer(mk MasterKey, r io.Reader) *Sealer {
	if r == nil {
		r = rand.Reader
	}
	return &Sealer{
		mk:        mk,
		rand:      r,
		maxSeals:  defaultMaxSeals,
		cacheSize: defaultCacheSize,
		lru:       list.New(),
		byKey:     make(map[[sha256.Size]byte]*list.Element),
	}
}

// Seal encrypts plaintext bound to aad. The same aad must be given to Open.
func (s *Sealer) Seal(ctx context.Context, plaintext, aad []byte) ([]byte, error) {
	if s == nil || s.mk == nil {
		return nil, errors.New("envelope: Sealer has no master key")
	}
	dk, nonce, err := s.sealKey(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(dk.header)+nonceSize+len(plaintext)+tagSize)
	out = append(out, dk.header...)
	out = append(out, nonce...)
	return dk.aead.Seal(out, nonce, plaintext, blobAAD(dk.header, aad)), nil
}

// Open decrypts a blob made by Seal (by any Sealer over the same master key) given the aad it
// was sealed with. A blob that does not authenticate returns ErrInvalid; a master-key failure
// returns that error, wrapped.
func (s *Sealer) Open(ctx context.Context, blob, aad []byte) ([]byte, error) {
	if s == nil || s.mk == nil {
		return nil, errors.New("envelope: Sealer has no master key")
	}
	if len(blob) < 3 || blob[0] != blobVersion {
		return nil, fmt.Errorf("%w: unknown blob version", ErrInvalid)
	}
	n := int(binary.BigEndian.Uint16(blob[1:3]))
	if n == 0 || n > maxWrappedKey || len(blob) < 3+n+nonceSize+tagSize {
		return nil, fmt.Errorf("%w: truncated blob", ErrInvalid)
	}
	header, rest := blob[:3+n], blob[3+n:]
	dk, err := s.openKey(ctx, header)
	if err != nil {
		return nil, err
	}
	pt, err := dk.aead.Open(nil, rest[:nonceSize], rest[nonceSize:], blobAAD(header, aad))
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed", ErrInvalid)
	}
	return pt, nil
}

// blobAAD authenticates the header along with the caller's aad. The header carries its own
// length, so the concatenation is unambiguous.
func blobAAD(header, aad []byte) []byte {
	out := make([]byte, 0, len(header)+len(aad))
	return append(append(out, header...), aad...)
}

// sealKey returns the data key to seal with and a fresh nonce, generating the data key on first
// use and again after maxSeals uses.
func (s *Sealer) sealKey(ctx context.Context) (*dataKey, []byte, error) {
	if dk, nonce, ok, err := s.takeCurrent(); ok || err != nil {
		return dk, nonce, err
	}
	s.genMu.Lock()
	defer s.genMu.Unlock()
	// Another goroutine may have generated it while we waited.
	if dk, nonce, ok, err := s.takeCurrent(); ok || err != nil {
		return dk, nonce, err
	}
	pt, wrapped, err := s.mk.GenerateDataKey(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("envelope: master key %s: generating data key: %w", s.mk.ID(), err)
	}
	if len(wrapped) == 0 || len(wrapped) > maxWrappedKey {
		return nil, nil, fmt.Errorf("envelope: master key %s returned a %d-byte wrapped key", s.mk.ID(), len(wrapped))
	}
	header := make([]byte, 3, 3+len(wrapped))
	header[0] = blobVersion
	binary.BigEndian.PutUint16(header[1:3], uint16(len(wrapped)))
	header = append(header, wrapped...)
	dk, err := newDataKey(header, pt)
	if err != nil {
		return nil, nil, fmt.Errorf("envelope: master key %s: %w", s.mk.ID(), err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur, s.seals = dk, 0
	s.remember(dk) // our own blobs open without a master-key call
	nonce, err := s.useCurrent()
	return dk, nonce, err
}

// takeCurrent counts one use of the current data key and draws a nonce, or reports ok=false when
// there is no usable current key.
func (s *Sealer) takeCurrent() (dk *dataKey, nonce []byte, ok bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil || s.seals >= s.maxSeals {
		return nil, nil, false, nil
	}
	nonce, err = s.useCurrent()
	return s.cur, nonce, err == nil, err
}

// useCurrent counts one seal under s.cur and draws its nonce. Caller holds s.mu.
func (s *Sealer) useCurrent() ([]byte, error) {
	nonce := make([]byte, nonceSize)
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return nil, fmt.Errorf("envelope: reading nonce: %w", err)
	}
	s.seals++
	return nonce, nil
}

// openKey finds the data key named by a blob header in the cache or unwraps it.
func (s *Sealer) openKey(ctx context.Context, header []byte) (*dataKey, error) {
	id := sha256.Sum256(header[3:])
	s.mu.Lock()
	if e, ok := s.byKey[id]; ok {
		s.lru.MoveToFront(e)
		dk := e.Value.(*dataKey)
		s.mu.Unlock()
		return dk, nil
	}
	s.mu.Unlock()

	// Unwrap outside the lock: a slow KMS call must not stall sealing or cached opens. Two
	// goroutines missing on the same key at once both unwrap it; that costs a call, not
	// correctness.
	pt, err := s.mk.Decrypt(ctx, header[3:])
	if err != nil {
		return nil, fmt.Errorf("envelope: master key %s: unwrapping data key: %w", s.mk.ID(), err)
	}
	dk, err := newDataKey(append([]byte(nil), header...), pt)
	if err != nil {
		return nil, fmt.Errorf("envelope: master key %s: %w", s.mk.ID(), err)
	}
	s.mu.Lock()
	s.remember(dk)
	s.mu.Unlock()
	return dk, nil
}

// remember caches dk, evicting the least recently used key past the bound. Caller holds s.mu.
func (s *Sealer) remember(dk *dataKey) {
	if e, ok := s.byKey[dk.id]; ok {
		s.lru.MoveToFront(e)
		return
	}
	s.byKey[dk.id] = s.lru.PushFront(dk)
	for s.lru.Len() > s.cacheSize {
		old := s.lru.Back()
		s.lru.Remove(old)
		delete(s.byKey, old.Value.(*dataKey).id)
	}
}

// newDataKey builds the AEAD for a clear data key and then wipes the caller's copy (best
// effort: the AES key schedule necessarily stays in memory).
func newDataKey(header, plaintext []byte) (*dataKey, error) {
	defer clear(plaintext)
	if len(plaintext) != DataKeySize {
		return nil, fmt.Errorf("data key is %d bytes, want %d", len(plaintext), DataKeySize)
	}
	block, err := aes.NewCipher(plaintext)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &dataKey{id: sha256.Sum256(header[3:]), aead: aead, header: header}, nil
}
