package token

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cognatehq/cognate/pkg/signer"
)

func expectAccess() Expect { return Expect{Issuer: issuerA, PoolID: poolA, TokenUse: UseAccess} }
func expectID() Expect     { return Expect{Issuer: issuerA, PoolID: poolA, TokenUse: UseID} }

func TestVerifyRoundTrip(t *testing.T) {
	e := newTestEnv(t, "roundtrip")
	in := baseInput()
	in.DeviceKey = "us-east-1_device"
	toks := e.issueAt(t, t0, in)
	e.clk.Set(vnow)
	ctx := context.Background()

	a, err := e.iss.Verify(ctx, toks.AccessToken, Expect{Issuer: issuerA, PoolID: poolA, TokenUse: UseAccess, ClientID: clientID})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, toks.AccessClaims) {
		t.Errorf("access claims:\n got %+v\nwant %+v", a, toks.AccessClaims)
	}
	id, err := e.iss.Verify(ctx, toks.IDToken, Expect{Issuer: issuerA, PoolID: poolA, TokenUse: UseID, ClientID: clientID})
	if err != nil {
		t.Fatal(err)
	}
	// Attributes come back as JSON values (numbers as json.Number); compare them as JSON.
	gotAttrs, wantAttrs := mustJSON(t, id.Attributes), mustJSON(t, toks.IDClaims.Attributes)
	if string(gotAttrs) != string(wantAttrs) {
		t.Errorf("attributes: got %s want %s", gotAttrs, wantAttrs)
	}
	id.Attributes, toks.IDClaims.Attributes = nil, nil
	if !reflect.DeepEqual(id, toks.IDClaims) {
		t.Errorf("ID claims:\n got %+v\nwant %+v", id, toks.IDClaims)
	}
	if id.Username != "alice" || a.Username != "alice" || a.DeviceKey != "us-east-1_device" || len(a.Groups) != 2 {
		t.Error("claims not exposed")
	}
}

// mutation is one entry of the verification corpus, shared by TestMutationCorpus and the
// FuzzVerify seed corpus. Every case is judged at vnow.
type mutation struct {
	name   string
	raw    string
	want   Expect
	err    error  // nil, ErrInvalid or ErrExpired
	reason string // substring of the error: proves it failed for the intended reason
}

// mutations builds the corpus: genuine tokens, tokens genuinely signed by our keys but wrong in
// some other way, and forgeries. Deterministic, so the committed fuzz corpus can be checked.
func mutations(t testing.TB, e *testEnv) []mutation {
	t.Helper()
	acc := e.sig.keys[poolA][signer.UseAccess]
	accB := e.sig.keys[poolB][signer.UseAccess]
	hdr := func(kvs ...string) []byte { // header members in the given order
		var b strings.Builder
		b.WriteByte('{')
		for i := 0; i < len(kvs); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%q:%s", kvs[i], kvs[i+1])
		}
		b.WriteByte('}')
		return []byte(b.String())
	}
	q := func(s string) string { return fmt.Sprintf("%q", s) }
	accHdr := header(acc.kid)

	pair := e.issueAt(t, t0, baseInput())
	good, goodID := pair.AccessToken, pair.IDToken
	_, goodPayload, goodSig := segments(t, good)
	h64, p64, _ := strings.Cut(good, ".")
	p64, _, _ = strings.Cut(p64, ".")

	expired := e.issueAt(t, vnow.Add(-2*time.Hour), baseInput()).AccessToken
	exp30 := e.issueAt(t, vnow.Add(-time.Hour-30*time.Second), baseInput()).AccessToken
	exp61 := e.issueAt(t, vnow.Add(-time.Hour-61*time.Second), baseInput()).AccessToken
	future := e.issueAt(t, vnow.Add(5*time.Minute), baseInput()).AccessToken
	soon := e.issueAt(t, vnow.Add(30*time.Second), baseInput()).AccessToken
	inB := baseInput()
	inB.PoolID, inB.Issuer = poolB, issuerB
	otherPool := e.issueAt(t, t0, inB).AccessToken
	inEvil := baseInput()
	inEvil.Issuer = "https://evil.example/" + poolA
	evilIss := e.issueAt(t, t0, inEvil).AccessToken

	// Payload edits, re-signed with the genuine access key.
	edited := func(edit func(m map[string]any)) string {
		m := payloadMap(t, good)
		edit(m)
		return signRaw(acc, accHdr, mustJSON(t, m))
	}
	flipSig := func(tok string) string {
		i := strings.LastIndexByte(tok, '.')
		sig, err := decodeSegment(tok[i+1:])
		if err != nil {
			t.Fatal(err)
		}
		sig[len(sig)/2] ^= 0x40
		return tok[:i+1] + b64(sig)
	}

	pubDER, err := x509.MarshalPKIXPublicKey(&acc.priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	hs := func(key []byte) string {
		input := b64(hdr("kid", q(acc.kid), "alg", q("HS256"))) + "." + p64
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(input))
		return input + "." + b64(mac.Sum(nil))
	}
	rs512 := func() string {
		input := b64(hdr("kid", q(acc.kid), "alg", q("RS512"))) + "." + p64
		d := sha512.Sum512([]byte(input))
		sig, err := rsa.SignPKCS1v15(nil, acc.priv, crypto.SHA512, d[:])
		if err != nil {
			t.Fatal(err)
		}
		return input + "." + b64(sig)
	}()
	// An attacker's own key embedded in the header, with a token signed by it.
	attacker := accB.priv
	jwkHdr := hdr("kid", q(acc.kid), "alg", q("RS256"), "jwk", string(mustJSON(t, map[string]string{
		"kty": "RSA", "e": "AQAB", "n": base64.RawURLEncoding.EncodeToString(attacker.N.Bytes()),
	})))
	jwkTok := signRaw(&testKey{priv: attacker}, jwkHdr, goodPayload)

	acE, idE := expectAccess(), expectID()
	with := func(x Expect, f func(*Expect)) Expect { f(&x); return x }
	return []mutation{
		{name: "valid_access", raw: good, want: acE},
		{name: "valid_id", raw: goodID, want: idE},
		{name: "valid_access_client_checked", raw: good, want: with(acE, func(x *Expect) { x.ClientID = clientID })},
		{name: "exp_plus_30s_leeway_60", raw: exp30, want: with(acE, func(x *Expect) { x.Leeway = time.Minute })},
		{name: "exp_plus_30s_no_leeway", raw: exp30, want: acE, err: ErrExpired},
		{name: "exp_plus_61s_leeway_60", raw: exp61, want: with(acE, func(x *Expect) { x.Leeway = time.Minute }), err: ErrExpired},
		{name: "leeway_capped_at_60s", raw: exp61, want: with(acE, func(x *Expect) { x.Leeway = time.Hour }), err: ErrExpired},
		{name: "expired_good_signature", raw: expired, want: acE, err: ErrExpired},
		{name: "expired_bad_signature", raw: flipSig(expired), want: acE, err: ErrInvalid, reason: "bad signature"},
		{name: "bad_signature", raw: flipSig(good), want: acE, err: ErrInvalid, reason: "bad signature"},
		{name: "alg_none_no_signature", raw: b64(hdr("kid", q(acc.kid), "alg", q("none"))) + "." + p64 + ".", want: acE, err: ErrInvalid, reason: "alg"},
		{name: "alg_none_kept_signature", raw: b64(hdr("kid", q(acc.kid), "alg", q("none"))) + "." + p64 + "." + goodSig, want: acE, err: ErrInvalid, reason: "alg"},
		{name: "alg_None_case", raw: b64(hdr("kid", q(acc.kid), "alg", q("None"))) + "." + p64 + "." + goodSig, want: acE, err: ErrInvalid, reason: "alg"},
		{name: "alg_missing", raw: b64(hdr("kid", q(acc.kid), "typ", q("JWT"))) + "." + p64 + "." + goodSig, want: acE, err: ErrInvalid, reason: "alg"},
		{name: "hs256_keyed_with_public_pem", raw: hs(pubPEM), want: acE, err: ErrInvalid, reason: "alg"},
		{name: "hs256_keyed_with_public_der", raw: hs(pubDER), want: acE, err: ErrInvalid, reason: "alg"},
		{name: "rs512_genuine_key", raw: rs512, want: acE, err: ErrInvalid, reason: "alg"},
		{name: "es256_header", raw: b64(hdr("kid", q(acc.kid), "alg", q("ES256"))) + "." + p64 + "." + goodSig, want: acE, err: ErrInvalid, reason: "alg"},
		{name: "ps256_header", raw: b64(hdr("kid", q(acc.kid), "alg", q("PS256"))) + "." + p64 + "." + goodSig, want: acE, err: ErrInvalid, reason: "alg"},
		{name: "alg_array", raw: b64(hdr("kid", q(acc.kid), "alg", `["RS256"]`)) + "." + p64 + "." + goodSig, want: acE, err: ErrInvalid, reason: "alg"},
		{name: "jku_header_genuinely_signed", raw: signRaw(acc, hdr("kid", q(acc.kid), "alg", q("RS256"), "jku", q("http://127.0.0.1:1/jwks.json")), goodPayload), want: acE, err: ErrInvalid, reason: "header members"},
		{name: "x5u_header_genuinely_signed", raw: signRaw(acc, hdr("kid", q(acc.kid), "alg", q("RS256"), "x5u", q("http://127.0.0.1:1/cert.pem")), goodPayload), want: acE, err: ErrInvalid, reason: "header members"},
		{name: "x5c_header_genuinely_signed", raw: signRaw(acc, hdr("kid", q(acc.kid), "alg", q("RS256"), "x5c", `["MIIB"]`), goodPayload), want: acE, err: ErrInvalid, reason: "header members"},
		{name: "crit_header_genuinely_signed", raw: signRaw(acc, hdr("kid", q(acc.kid), "alg", q("RS256"), "crit", `["exp"]`), goodPayload), want: acE, err: ErrInvalid, reason: "header members"},
		{name: "typ_header_genuinely_signed", raw: signRaw(acc, hdr("kid", q(acc.kid), "alg", q("RS256"), "typ", q("JWT")), goodPayload), want: acE, err: ErrInvalid, reason: "header members"},
		{name: "embedded_jwk_attacker_key", raw: jwkTok, want: acE, err: ErrInvalid, reason: "header members"},
		{name: "attacker_key_our_kid", raw: signRaw(&testKey{priv: attacker}, accHdr, goodPayload), want: acE, err: ErrInvalid, reason: "bad signature"},
		{name: "kid_path_traversal", raw: signRaw(acc, hdr("kid", q("../../x"), "alg", q("RS256")), goodPayload), want: acE, err: ErrInvalid, reason: "kid"},
		{name: "kid_sql", raw: signRaw(acc, hdr("kid", q("' OR 1=1 --"), "alg", q("RS256")), goodPayload), want: acE, err: ErrInvalid, reason: "kid"},
		{name: "kid_empty", raw: signRaw(acc, hdr("kid", q(""), "alg", q("RS256")), goodPayload), want: acE, err: ErrInvalid, reason: "kid"},
		{name: "kid_number", raw: signRaw(acc, hdr("kid", "7", "alg", q("RS256")), goodPayload), want: acE, err: ErrInvalid, reason: "kid"},
		{name: "kid_unknown", raw: signRaw(acc, header("AAAAAAAAAAAAAAAAAAAAAAAA"), goodPayload), want: acE, err: ErrInvalid, reason: "unknown kid"},
		{name: "kid_of_other_pool", raw: otherPool, want: acE, err: ErrInvalid, reason: "unknown kid"},
		{name: "other_pool_key_for_our_claims", raw: signRaw(accB, header(accB.kid), goodPayload), want: acE, err: ErrInvalid, reason: "unknown kid"},
		{name: "id_token_where_access_expected", raw: goodID, want: acE, err: ErrInvalid, reason: "kid belongs"},
		{name: "access_token_where_id_expected", raw: good, want: idE, err: ErrInvalid, reason: "kid belongs"},
		{name: "id_claims_signed_by_access_key", raw: signRaw(acc, accHdr, segmentsPayload(t, goodID)), want: acE, err: ErrInvalid, reason: "token_use"},
		{name: "swapped_payload_original_signature", raw: h64 + "." + strings.Split(otherPool, ".")[1] + "." + goodSig, want: acE, err: ErrInvalid, reason: "bad signature"},
		{name: "edited_username_original_signature", raw: h64 + "." + b64(mustJSON(t, func() map[string]any { m := payloadMap(t, good); m["username"] = "admin"; return m }())) + "." + goodSig, want: acE, err: ErrInvalid, reason: "bad signature"},
		{name: "id_header_access_signature", raw: strings.Split(goodID, ".")[0] + "." + p64 + "." + goodSig, want: idE, err: ErrInvalid, reason: "bad signature"},
		{name: "wrong_iss_genuinely_signed", raw: evilIss, want: acE, err: ErrInvalid, reason: "issuer"},
		{name: "expected_other_issuer", raw: good, want: with(acE, func(x *Expect) { x.Issuer = "https://cognito-idp.eu-west-1.amazonaws.com/" + poolA }), err: ErrInvalid, reason: "issuer"},
		{name: "wrong_client", raw: good, want: with(acE, func(x *Expect) { x.ClientID = "other-client" }), err: ErrInvalid, reason: "client"},
		{name: "wrong_aud", raw: goodID, want: with(idE, func(x *Expect) { x.ClientID = "other-client" }), err: ErrInvalid, reason: "client"},
		{name: "iat_in_future", raw: future, want: acE, err: ErrInvalid, reason: "future"},
		{name: "iat_30s_ahead_leeway_60", raw: soon, want: with(acE, func(x *Expect) { x.Leeway = time.Minute })},
		{name: "iat_30s_ahead_no_leeway", raw: soon, want: acE, err: ErrInvalid, reason: "future"},
		{name: "nbf_in_future", raw: edited(func(m map[string]any) { m["nbf"] = vnow.Add(time.Hour).Unix() }), want: acE, err: ErrInvalid, reason: "not yet valid"},
		{name: "sub_null", raw: edited(func(m map[string]any) { m["sub"] = nil }), want: acE, err: ErrInvalid, reason: "sub"},
		{name: "sub_missing", raw: edited(func(m map[string]any) { delete(m, "sub") }), want: acE, err: ErrInvalid, reason: "sub"},
		{name: "exp_string", raw: edited(func(m map[string]any) { m["exp"] = "9999999999" }), want: acE, err: ErrInvalid, reason: "exp"},
		{name: "exp_float", raw: edited(func(m map[string]any) { m["exp"] = 9999999999.5 }), want: acE, err: ErrInvalid, reason: "exp"},
		{name: "exp_missing", raw: edited(func(m map[string]any) { delete(m, "exp") }), want: acE, err: ErrInvalid, reason: "exp"},
		{name: "exp_before_iat", raw: edited(func(m map[string]any) { m["exp"] = t0.Add(-time.Second).Unix() }), want: acE, err: ErrInvalid, reason: "exp not after iat"},
		{name: "groups_not_strings", raw: edited(func(m map[string]any) { m["cognito:groups"] = []any{1, 2} }), want: acE, err: ErrInvalid, reason: "cognito:groups"},
		{name: "token_use_array", raw: edited(func(m map[string]any) { m["token_use"] = []string{"access"} }), want: acE, err: ErrInvalid, reason: "token_use"},
		{name: "payload_not_object", raw: signRaw(acc, accHdr, []byte(`["sub"]`)), want: acE, err: ErrInvalid, reason: "JSON object"},
		{name: "payload_trailing_garbage", raw: signRaw(acc, accHdr, append(append([]byte{}, goodPayload...), []byte(" {}")...)), want: acE, err: ErrInvalid, reason: "JSON object"},
		{name: "header_not_json", raw: signRaw(acc, []byte("kid=x"), goodPayload), want: acE, err: ErrInvalid, reason: "header"},
		{name: "jwe_five_parts", raw: b64([]byte(`{"alg":"RSA-OAEP","enc":"A256GCM"}`)) + ".AAAA.AAAA.AAAA.AAAA", want: acE, err: ErrInvalid, reason: "three-part"},
		{name: "two_parts", raw: h64 + "." + p64, want: acE, err: ErrInvalid, reason: "three-part"},
		{name: "four_parts", raw: good + "." + goodSig, want: acE, err: ErrInvalid, reason: "three-part"},
		{name: "empty", raw: "", want: acE, err: ErrInvalid, reason: "three-part"},
		{name: "only_dots", raw: "..", want: acE, err: ErrInvalid, reason: "header"},
		{name: "padded_signature", raw: good + "==", want: acE, err: ErrInvalid, reason: "base64url"},
		{name: "std_base64_alphabet", raw: good[:len(good)-5] + "+" + good[len(good)-4:], want: acE, err: ErrInvalid, reason: "base64url"},
		{name: "newline_in_signature", raw: good[:len(good)-10] + "\n" + good[len(good)-10:], want: acE, err: ErrInvalid, reason: "base64url"},
		{name: "space_after_token", raw: good + " ", want: acE, err: ErrInvalid, reason: "base64url"},
		{name: "truncated_signature", raw: good[:len(good)-4], want: acE, err: ErrInvalid, reason: "signature"},
		{name: "empty_signature", raw: h64 + "." + p64 + ".", want: acE, err: ErrInvalid, reason: "signature"},
		{name: "oversize_dots", raw: strings.Repeat(".", MaxTokenSize+1), want: acE, err: ErrInvalid, reason: "bytes"},
		{name: "oversize_token", raw: edited(func(m map[string]any) { m["pad"] = strings.Repeat("x", MaxTokenSize) }), want: acE, err: ErrInvalid, reason: "bytes"},
		{name: "valid_access_pool_b_expect", raw: otherPool, want: Expect{Issuer: issuerB, PoolID: poolB, TokenUse: UseAccess}},
		{name: "verified_against_wrong_pool_keys", raw: good, want: Expect{Issuer: issuerB, PoolID: poolB, TokenUse: UseAccess}, err: ErrInvalid, reason: "unknown kid"},
	}
}

func segmentsPayload(t testing.TB, tok string) []byte {
	_, p, _ := segments(t, tok)
	return p
}

func TestMutationCorpus(t *testing.T) {
	e := newTestEnv(t, "corpus")
	cases := mutations(t, e)
	e.clk.Set(vnow)
	for _, m := range cases {
		t.Run(m.name, func(t *testing.T) {
			c, err := e.iss.Verify(context.Background(), m.raw, m.want)
			switch {
			case m.err == nil && err != nil:
				t.Fatalf("rejected: %v", err)
			case m.err == nil && c == nil:
				t.Fatal("no claims")
			case m.err != nil && !errors.Is(err, m.err):
				t.Fatalf("err = %v, want %v", err, m.err)
			case m.err != nil && c != nil:
				t.Fatal("claims returned with an error")
			case m.reason != "" && !strings.Contains(err.Error(), m.reason):
				t.Fatalf("err = %v, want it to mention %q", err, m.reason)
			}
			if errors.Is(err, ErrInvalid) && errors.Is(err, ErrExpired) {
				t.Fatal("an error must not be both invalid and expired")
			}
		})
	}
}

func TestMegabyteOfDotsRejectedBeforeParsing(t *testing.T) {
	e := newTestEnv(t, "dots")
	dots := strings.Repeat(".", 1<<20)
	before := e.sig.publicKeysCalls.Load()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	for range 100 {
		if _, err := e.iss.Verify(context.Background(), dots, expectAccess()); !errors.Is(err, ErrInvalid) {
			t.Fatalf("err = %v", err)
		}
	}
	runtime.ReadMemStats(&ms1)
	if e.sig.publicKeysCalls.Load() != before {
		t.Fatal("key lookup happened for an oversize input")
	}
	// 100 rejections of a 1 MB input allocate far less than one copy of it.
	if alloc := ms1.TotalAlloc - ms0.TotalAlloc; alloc > 256<<10 {
		t.Fatalf("100 rejections allocated %d bytes", alloc)
	}
	// Just under the limit, a string of dots is still refused by shape, before key lookup.
	if _, err := e.iss.Verify(context.Background(), strings.Repeat(".", MaxTokenSize), expectAccess()); !errors.Is(err, ErrInvalid) {
		t.Fatal(err)
	}
	if e.sig.publicKeysCalls.Load() != before {
		t.Fatal("key lookup happened for a string of dots")
	}
}

func TestVerifyKeyLookupFailureIsNotInvalidNorSuccess(t *testing.T) {
	e := newTestEnv(t, "keysdown")
	good := e.issueAt(t, t0, baseInput()).AccessToken
	down := errors.New("table unavailable")
	e.sig.failPublic = down
	c, err := e.iss.Verify(context.Background(), good, expectAccess())
	if c != nil || !errors.Is(err, down) || errors.Is(err, ErrInvalid) || errors.Is(err, ErrExpired) {
		t.Fatalf("Verify with keys unavailable = %v, %v; want the lookup error (a server failure)", c, err)
	}
}

func TestVerifyRejectsMalformedExpect(t *testing.T) {
	e := newTestEnv(t, "expect")
	good := e.issueAt(t, t0, baseInput()).AccessToken
	for name, want := range map[string]Expect{
		"no use":           {Issuer: issuerA, PoolID: poolA},
		"refresh use":      {Issuer: issuerA, PoolID: poolA, TokenUse: "refresh"},
		"no pool":          {Issuer: issuerA, TokenUse: UseAccess},
		"issuer mismatch":  {Issuer: issuerB, PoolID: poolA, TokenUse: UseAccess},
		"issuer mismatch2": {Issuer: issuerA, PoolID: poolB, TokenUse: UseAccess},
	} {
		if c, err := e.iss.Verify(context.Background(), good, want); err == nil || c != nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestIndependentVerifier checks our tokens the way a relying party does: read the JWKS JSON,
// rebuild the RSA keys from n and e, and let golang-jwt verify RS256 against them.
func TestIndependentVerifier(t *testing.T) {
	e := newTestEnv(t, "independent")
	toks := e.issueAt(t, t0, baseInput())
	keys, err := e.sig.PublicKeys(context.Background(), poolA)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := JWKS(keys)
	if err != nil {
		t.Fatal(err)
	}
	var jwks struct {
		Keys []struct{ Kty, Alg, Use, Kid, N, E string }
	}
	if err := json.Unmarshal(doc, &jwks); err != nil {
		t.Fatal(err)
	}
	byKid := map[string]*rsa.PublicKey{}
	for _, k := range jwks.Keys {
		if k.Kty != "RSA" || k.Alg != "RS256" || k.Use != "sig" {
			t.Fatalf("unexpected JWK %+v", k)
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		eb, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil {
			t.Fatal("n/e not unpadded base64url")
		}
		byKid[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(eb).Int64())}
	}
	keyfunc := func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		if k := byKid[kid]; k != nil {
			return k, nil
		}
		return nil, errors.New("unknown kid")
	}
	for use, raw := range map[string]string{UseAccess: toks.AccessToken, UseID: toks.IDToken} {
		opts := []jwt.ParserOption{
			jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(issuerA), jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(), jwt.WithTimeFunc(func() time.Time { return vnow }), jwt.WithStrictDecoding(),
		}
		if use == UseID {
			opts = append(opts, jwt.WithAudience(clientID))
		}
		parsed, err := jwt.Parse(raw, keyfunc, opts...)
		if err != nil || !parsed.Valid {
			t.Fatalf("%s token rejected by golang-jwt: %v", use, err)
		}
		claims := parsed.Claims.(jwt.MapClaims)
		if claims["token_use"] != use || claims["sub"] != subject {
			t.Fatalf("%s: claims %v", use, claims)
		}
		if _, hasTyp := parsed.Header["typ"]; hasTyp {
			t.Fatal("header has typ")
		}
		// And it must reject what we reject: a tampered copy.
		if _, err := jwt.Parse(raw[:len(raw)-8]+"AAAAAAAA", keyfunc, opts...); err == nil {
			t.Fatalf("%s: golang-jwt accepted a tampered token", use)
		}
	}
	if id := toks.IDClaims; id.ClientID != clientID {
		t.Fatal("aud")
	}
}

func BenchmarkIssue(b *testing.B) {
	e := newTestEnv(b, "bench")
	in := baseInput()
	ctx := context.Background()
	for b.Loop() {
		if _, err := e.iss.Issue(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	e := newTestEnv(b, "bench")
	tok := e.issueAt(b, t0, baseInput()).AccessToken
	e.clk.Set(vnow)
	ctx := context.Background()
	want := expectAccess()
	for b.Loop() {
		if _, err := e.iss.Verify(ctx, tok, want); err != nil {
			b.Fatal(err)
		}
	}
}
