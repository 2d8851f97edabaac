package esdk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The message Encrypt makes (see the package doc).
const (
	// Version is the message format version: 1.0.
	Version = 0x01
	// Type is the only message type of format 1.0: customer authenticated encrypted data.
	Type = 0x80
	// Suite is AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384.
	Suite uint16 = 0x0378
	// FrameLength is the plaintext length of a regular frame, the SDKs' default.
	FrameLength = 4096
	// ProviderID names the key provider of a KMS-wrapped data key.
	ProviderID = "aws-kms"
	// PublicKeyContext is the encryption-context key of the signature's public key.
	PublicKeyContext = "aws-crypto-public-key"
	// SignatureLength is the length of the footer's signature as the SDKs make it.
	SignatureLength = 103

	contentFramed = 0x02
	messageIDLen  = 16
	ivLen         = 12
	tagLen        = 16
	dataKeyLen    = 32
	finalMarker   = 0xFFFFFFFF
	// reservedPrefix starts the encryption-context keys the SDK keeps for itself.
	reservedPrefix = "aws-crypto-"

	aadFrame      = "AWSKMSEncryptionClient Frame"
	aadFinalFrame = "AWSKMSEncryptionClient Final Frame"
)

// ErrFormat is a message Parse cannot read: not format 1.0 with suite 0x0378, or malformed.
var ErrFormat = errors.New("esdk: not a message this package reads")

// ErrAuthentication is a message that does not authenticate: a header or frame tag, or the
// signature, does not verify.
var ErrAuthentication = errors.New("esdk: the message does not authenticate")

// EncryptedDataKey is one wrapped copy of a message's data key.
type EncryptedDataKey struct {
	ProviderID   string
	ProviderInfo string
	Ciphertext   []byte
}

// Frame is one frame of the body.
type Frame struct {
	Sequence   uint32
	Final      bool
	IV         []byte
	Ciphertext []byte
	Tag        []byte
}

// Message is a parsed message. Header is the header body's bytes exactly as they were read (the
// header tag's additional data); Signed is everything the signature covers.
type Message struct {
	MessageID         []byte
	EncryptionContext map[string]string
	DataKeys          []EncryptedDataKey
	FrameLength       uint32
	HeaderIV          []byte
	HeaderTag         []byte
	Frames            []Frame
	Signature         []byte

	Header []byte
	Signed []byte
}

// serializeContext encodes an encryption context as the header's AAD field does: the pairs
// sorted by key (their UTF-8 bytes, which Go's string order is), each length-prefixed.
func serializeContext(ec map[string]string) ([]byte, error) {
	if len(ec) == 0 {
		return nil, nil
	}
	if len(ec) > 0xFFFF {
		return nil, errors.New("esdk: encryption context has too many pairs")
	}
	out := binary.BigEndian.AppendUint16(nil, uint16(len(ec)))
	for _, k := range slices.Sorted(maps.Keys(ec)) {
		for _, s := range []string{k, ec[k]} {
			if len(s) > 0xFFFF {
				return nil, errors.New("esdk: encryption context entry too long")
			}
			out = binary.BigEndian.AppendUint16(out, uint16(len(s)))
			out = append(out, s...)
		}
	}
	return out, nil
}

// headerBody serializes a format 1.0 header body.
func headerBody(messageID []byte, ec map[string]string, edks []EncryptedDataKey) ([]byte, error) {
	aad, err := serializeContext(ec)
	if err != nil {
		return nil, err
	}
	if len(aad) > 0xFFFF {
		return nil, errors.New("esdk: encryption context too long")
	}
	b := []byte{Version, Type}
	b = binary.BigEndian.AppendUint16(b, Suite)
	b = append(b, messageID...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(aad)))
	b = append(b, aad...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(edks)))
	for _, k := range edks {
		for _, f := range [][]byte{[]byte(k.ProviderID), []byte(k.ProviderInfo), k.Ciphertext} {
			if len(f) > 0xFFFF {
				return nil, errors.New("esdk: encrypted data key field too long")
			}
			b = binary.BigEndian.AppendUint16(b, uint16(len(f)))
			b = append(b, f...)
		}
	}
	b = append(b, contentFramed, 0, 0, 0, 0, ivLen)
	b = binary.BigEndian.AppendUint32(b, FrameLength)
	return b, nil
}

// frameIV is a frame's IV: its sequence number, big endian, in the IV's last four bytes.
func frameIV(seq uint32) []byte {
	iv := make([]byte, ivLen)
	binary.BigEndian.PutUint32(iv[ivLen-4:], seq)
	return iv
}

// bodyAAD is a frame's additional data: message id, content string, sequence, plaintext length.
func bodyAAD(messageID []byte, final bool, seq uint32, n int) []byte {
	content := aadFrame
	if final {
		content = aadFinalFrame
	}
	b := append(slices.Clone(messageID), content...)
	b = binary.BigEndian.AppendUint32(b, seq)
	return binary.BigEndian.AppendUint64(b, uint64(n))
}

// reader reads big-endian fields, remembering the first failure.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b)-r.off < n {
		r.err = fmt.Errorf("%w: truncated at byte %d", ErrFormat, r.off)
		return nil
	}
	out := r.b[r.off : r.off+n]
	r.off += n
	return out
}

func (r *reader) u8() byte {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u16() int {
	if b := r.take(2); b != nil {
		return int(binary.BigEndian.Uint16(b))
	}
	return 0
}

func (r *reader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
	}
}

// Parse reads a message: format 1.0, suite 0x0378, framed, with its signature footer and
// nothing after it. It checks the structure only; Decrypt authenticates.
func Parse(b []byte) (*Message, error) {
	r := &reader{b: b}
	m := &Message{}
	if v := r.u8(); v != Version {
		r.fail("version %#x", v)
	}
	if t := r.u8(); t != Type {
		r.fail("type %#x", t)
	}
	if s := r.u16(); s != int(Suite) {
		r.fail("algorithm suite %#04x", s)
	}
	m.MessageID = r.take(messageIDLen)
	m.EncryptionContext = parseContext(r, r.take(r.u16()))
	n := r.u16()
	if n == 0 {
		r.fail("no encrypted data key")
	}
	for i := 0; i < n && r.err == nil; i++ {
		id := string(r.take(r.u16()))
		info := string(r.take(r.u16()))
		m.DataKeys = append(m.DataKeys, EncryptedDataKey{ProviderID: id, ProviderInfo: info, Ciphertext: r.take(r.u16())})
	}
	if ct := r.u8(); ct != contentFramed {
		r.fail("content type %#x", ct)
	}
	if res := r.u32(); res != 0 {
		r.fail("reserved bytes %#x", res)
	}
	if l := r.u8(); l != ivLen {
		r.fail("IV length %d", l)
	}
	if m.FrameLength = r.u32(); m.FrameLength == 0 {
		r.fail("frame length 0")
	}
	if r.err == nil {
		m.Header = b[:r.off]
	}
	m.HeaderIV, m.HeaderTag = r.take(ivLen), r.take(tagLen)
	for seq := uint32(1); r.err == nil; seq++ {
		f := Frame{Sequence: seq}
		got := r.u32()
		if got == finalMarker {
			f.Final = true
			got = r.u32()
		}
		if got != seq {
			r.fail("frame %d where %d belongs", got, seq)
		}
		f.IV = r.take(ivLen)
		size := int(m.FrameLength)
		if f.Final {
			if size = int(r.u32()); size > int(m.FrameLength) {
				r.fail("final frame of %d bytes, frames are %d", size, m.FrameLength)
			}
		}
		f.Ciphertext, f.Tag = r.take(size), r.take(tagLen)
		m.Frames = append(m.Frames, f)
		if f.Final {
			break
		}
	}
	if r.err == nil {
		m.Signed = b[:r.off]
	}
	m.Signature = r.take(r.u16())
	if r.err == nil && r.off != len(b) {
		r.fail("%d bytes after the signature", len(b)-r.off)
	}
	if r.err != nil {
		return nil, r.err
	}
	return m, nil
}

// parseContext reads a serialized encryption context: sorted, no duplicates, nothing left over.
func parseContext(outer *reader, b []byte) map[string]string {
	ec := map[string]string{}
	if outer.err != nil || len(b) == 0 {
		return ec
	}
	r := &reader{b: b}
	n := r.u16()
	if n == 0 {
		r.fail("empty encryption context with a length")
	}
	prev := ""
	for i := 0; i < n && r.err == nil; i++ {
		k := string(r.take(r.u16()))
		v := string(r.take(r.u16()))
		if r.err == nil && i > 0 && strings.Compare(prev, k) >= 0 {
			r.fail("encryption context keys out of order")
		}
		ec[k], prev = v, k
	}
	if r.err == nil && r.off != len(b) {
		r.fail("bytes after the encryption context")
	}
	if r.err != nil {
		outer.err = r.err
	}
	return ec
}
