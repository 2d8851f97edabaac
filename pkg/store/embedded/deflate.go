package embedded

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// Data of minDeflate bytes or more is deflated when that saves at least an eighth. Cognate's
// records are small JSON documents, which DEFLATE alone shrinks poorly: one record has little
// to refer back to. A preset dictionary gives it something: vocabulary, the words the records
// are made of, for every head; and for a head of many large records (users, sessions), a
// dictionary learned from them, which also holds what they share beyond words (the pool id,
// the wrapped data key at the start of every sealed verifier). A 1.3 KB user record is stored
// in about 600 bytes with a learned dictionary, 700 with the vocabulary, 820 with neither.
const minDeflate = 64

// vocabulary must never change: stored values are deflated against it. A better one would take
// a new flag (or format), with this one kept for reading.
var vocabulary = []byte(`{"p":"us-east-1_","c":"","u":"","n":"","ch":"SIGN_UP","d":{},"e":,"o":"","a":"","e":"","d":"` +
	`{"h":"","t":"email","v":"","a":0,"x":true}{"s":"","n":1}{"k":"","g":"","s":"","v":"","n":"","r":true,"c":"","m":"","a":"","x":true}` +
	`{"s":"","a":[{"Kind":"phone_number","Value":"+1"},{"Kind":"preferred_username","Value":""},{"Kind":"email","Value":"@example.com"}],` +
	`"i":[{"a":"given_name","v":""},{"a":"family_name","v":""},{"a":"name","v":""},{"a":"preferred_username","v":""},` +
	`{"a":"phone_number","v":"+1"},{"a":"username","v":""},{"a":"email","v":"@gmail.com"},{"a":"cognito:user_status","v":"unconfirmed"},` +
	`{"a":"cognito:user_status","v":"force_change_password"},{"a":"cognito:user_status","v":"confirmed"},{"a":"status","v":"enabled"},{"a":"sub","v":""}],` +
	`"d":{"u":"","st":"FORCE_CHANGE_PASSWORD","st":"UNCONFIRMED","st":"CONFIRMED","en":true,"at":{"phone_number":"+1","phone_number_verified":"false",` +
	`"given_name":"","family_name":"","name":"","preferred_username":"","custom:","email":"@example.com","email_verified":"true","email_verified":"false"},` +
	`"c":"2026-01-01T00:00:00.000000000Z","m":"2026-01-01T00:00:00.000000000Z","pw":{"s":"","v":"AQA","t":"2026-01-01T00:00:00.000000000Z","tmp":true},` +
	`"va":,"ss":{"":},"rv":{"":},"g":[""],"pd":{"":""},"mo":[{"DeliveryMedium":"SMS","AttributeName":"phone_number"}]}}`)

const (
	// A head learns its dictionary from the first two values of minLearn bytes or more written
	// to two different partitions of it: the dictionary is the runs of at least learnGram bytes
	// that both contain, so it holds what records of the kind share, not what is particular to
	// one (a deleted user's email must not live on in it). The first sample is kept in memory
	// only, never in the file.
	minLearn  = 256
	learnGram = 8
	// maxLearned bounds a learned dictionary (deflating with it may cost deflating it too,
	// see deflateWith); one of fewer than minLearned bytes is not kept (the two samples
	// had little in common) and the next pair is tried.
	maxLearned = 2 << 10
	minLearned = 64
	// maxDeflaters is how many dictionaries get a compressor of their own (see deflateWith).
	maxDeflaters = 2
)

// metaDict prefixes a head's learned dictionary in the meta bucket.
var metaDict = []byte("dict\x00")

// codec deflates and inflates the values of one file. Its zero value uses the vocabulary only.
type codec struct {
	// dicts maps a head to its dictionary (vocabulary ‖ learned part). It is replaced, never
	// changed, and complete: loaded when the file is opened, and only this process (holding
	// bbolt's file lock) adds to it.
	dicts atomic.Pointer[map[string][]byte]
	// persist stores a learned dictionary (nil: do not learn).
	persist func(head, learned []byte) error

	mu       sync.Mutex // guards samples and learning
	samples  map[string]sample
	learning map[string]bool

	deflateMu sync.Mutex // guards the compressors and their buffer
	deflaters map[string]*flate.Writer
	shared    *flate.Writer
	buf       bytes.Buffer
}

type sample struct {
	pk   string
	data []byte
}

// loadDicts reads the learned dictionaries of a file.
func (c *codec) loadDicts(tx *bolt.Tx) {
	m := map[string][]byte{}
	if meta := tx.Bucket(bucketMeta); meta != nil {
		cur := meta.Cursor()
		for k, v := cur.Seek(metaDict); k != nil && bytes.HasPrefix(k, metaDict); k, v = cur.Next() {
			m[string(k[len(metaDict):])] = append(bytes.Clone(vocabulary), v...)
		}
	}
	c.dicts.Store(&m)
}

// dict is head's learned dictionary, or nil.
func (c *codec) dict(head []byte) []byte {
	if m := c.dicts.Load(); m != nil {
		return (*m)[string(head)]
	}
	return nil
}

// deflate appends data, of partition pk of head, to the envelope header v: deflated with the
// head's dictionary if that is worth it, raw otherwise. With learn, it may learn the head's
// dictionary from data.
func (c *codec) deflate(head []byte, pk string, v, data []byte, learn bool) []byte {
	if len(data) < minDeflate {
		return append(v, data...)
	}
	dict, name, flags := c.dict(head), string(head), byte(flagDeflate|flagLearned)
	if dict == nil {
		if learn {
			c.learn(head, pk, data)
		}
		dict, name, flags = vocabulary, "", flagDeflate
	}
	if z, ok := c.deflateWith(v, name, dict, data); ok {
		z[0] |= flags
		return z
	}
	return append(v, data...)
}

// deflateWith appends data, deflated with the preset dictionary dict (the vocabulary, name "",
// or head name's), to dst if that saves an eighth. A flate.Writer holds about 1 MB and is made
// for one dictionary, so writers take turns on a few: one for each of the first
// maxDeflaters dictionaries used (in a server, the vocabulary and its pool's users), and one
// for any other. That one deflates dict, flushes (which ends a block on a byte boundary and
// keeps the window), deflates data and keeps only what follows the flush, which is exactly the
// stream flate.NewReaderDict(dict) reads; deflating dict each time doubles the cost.
func (c *codec) deflateWith(dst []byte, name string, dict, data []byte) ([]byte, bool) {
	c.deflateMu.Lock()
	defer c.deflateMu.Unlock()
	c.buf.Reset()
	w, skip := c.deflaters[name], 0
	switch {
	case w != nil:
		w.Reset(&c.buf)
	case len(c.deflaters) < maxDeflaters:
		var err error
		if w, err = flate.NewWriterDict(&c.buf, flate.DefaultCompression, dict); err != nil {
			return nil, false
		}
		if c.deflaters == nil {
			c.deflaters = map[string]*flate.Writer{}
		}
		c.deflaters[name] = w
	default:
		if c.shared == nil {
			var err error
			if c.shared, err = flate.NewWriter(&c.buf, flate.DefaultCompression); err != nil {
				return nil, false
			}
		} else {
			c.shared.Reset(&c.buf)
		}
		w = c.shared
		if _, err := w.Write(dict); err != nil {
			return nil, false
		}
		if err := w.Flush(); err != nil {
			return nil, false
		}
		skip = c.buf.Len()
	}
	if _, err := w.Write(data); err != nil {
		return nil, false
	}
	if err := w.Close(); err != nil {
		return nil, false
	}
	z := c.buf.Bytes()[skip:]
	if len(z) > len(data)-len(data)/8 {
		return nil, false
	}
	return append(dst, z...), true
}

// learn offers data, a value of partition pk of head, which has no dictionary yet.
func (c *codec) learn(head []byte, pk string, data []byte) {
	if c.persist == nil || len(data) < minLearn {
		return
	}
	c.mu.Lock()
	first, ok := c.samples[string(head)]
	if c.learning[string(head)] || ok && first.pk == pk { // two versions of one record share too much
		c.mu.Unlock()
		return
	}
	var learned []byte
	if ok {
		learned = shared(first.data, data)
	}
	if len(learned) < minLearned { // the first sample, or little in common: try the next pair
		if c.samples == nil {
			c.samples = map[string]sample{}
		}
		c.samples[string(head)] = sample{pk: pk, data: bytes.Clone(data)}
		c.mu.Unlock()
		return
	}
	delete(c.samples, string(head))
	if c.learning == nil {
		c.learning = map[string]bool{}
	}
	c.learning[string(head)] = true
	c.mu.Unlock()

	err := c.persist(head, learned)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.learning, string(head))
	if err != nil {
		return // learnt again from later values
	}
	m := map[string][]byte{}
	if old := c.dicts.Load(); old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	m[string(head)] = append(bytes.Clone(vocabulary), learned...)
	c.dicts.Store(&m)
}

// shared returns the runs of b covered by learnGram-byte strings that a also contains, each run
// followed by a zero byte, at most maxLearned bytes.
func shared(a, b []byte) []byte {
	grams := make(map[string]struct{}, len(a))
	for i := 0; i+learnGram <= len(a); i++ {
		grams[string(a[i:i+learnGram])] = struct{}{}
	}
	covered := make([]bool, len(b))
	for i := 0; i+learnGram <= len(b); i++ {
		if _, ok := grams[string(b[i:i+learnGram])]; ok {
			for j := i; j < i+learnGram; j++ {
				covered[j] = true
			}
		}
	}
	var out []byte
	for i := 0; i < len(b) && len(out) < maxLearned; i++ {
		switch {
		case covered[i]:
			out = append(out, b[i])
		case i > 0 && covered[i-1]:
			out = append(out, 0)
		}
	}
	return out
}

var inflaters sync.Pool // of flate readers, which are flate.Resetters

func inflate(z, dict []byte) ([]byte, error) {
	src := bytes.NewReader(z)
	r, _ := inflaters.Get().(io.ReadCloser)
	if r == nil {
		r = flate.NewReaderDict(src, dict)
	} else if err := r.(flate.Resetter).Reset(src, dict); err != nil {
		return nil, err
	}
	out := bytes.NewBuffer(make([]byte, 0, 3*len(z)))
	_, err := io.Copy(out, io.LimitReader(r, maxItemBytes+1))
	inflaters.Put(r)
	if err != nil {
		return nil, err
	}
	if out.Len() > maxItemBytes {
		return nil, fmt.Errorf("inflates past %d bytes", maxItemBytes)
	}
	return out.Bytes(), nil
}
