package signer_test

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/golang-jwt/jwt/v5"

	"github.com/cognatehq/cognate/infra/kms/localkms"
	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/signer"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/store/embedded"
	"github.com/cognatehq/cognate/pkg/token"
)

// noKMS fails every call: a process with no KMS access at all.
type noKMS struct{}

var errNoKMS = errors.New("this process has no KMS access")

func (noKMS) CreateKey(context.Context, *kms.CreateKeyInput, ...func(*kms.Options)) (*kms.CreateKeyOutput, error) {
	return nil, errNoKMS
}

func (noKMS) GetPublicKey(context.Context, *kms.GetPublicKeyInput, ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	return nil, errNoKMS
}

func (noKMS) Sign(context.Context, *kms.SignInput, ...func(*kms.Options)) (*kms.SignOutput, error) {
	return nil, errNoKMS
}

func (noKMS) ScheduleKeyDeletion(context.Context, *kms.ScheduleKeyDeletionInput, ...func(*kms.Options)) (*kms.ScheduleKeyDeletionOutput, error) {
	return nil, errNoKMS
}

func (noKMS) GenerateDataKey(context.Context, *kms.GenerateDataKeyInput, ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	return nil, errNoKMS
}

func (noKMS) Decrypt(context.Context, *kms.DecryptInput, ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	return nil, errNoKMS
}

// hangingKMSClient is a real SDK client for an endpoint that never answers until the client gives
// up: a KMS outage as the SDK sees it.
func hangingKMSClient(t *testing.T) (*kms.Client, *localkms.SentDeadlines) {
	t.Helper()
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(func() { close(stop); srv.Close() })
	dls := &localkms.SentDeadlines{}
	return kms.New(kms.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}, HTTPClient: dls}), dls
}

func newKMSSigner(t *testing.T, tbl store.Table, api signer.KMSAPI, clk clock.Clock, cfg signer.KMSConfig) *signer.KMS {
	t.Helper()
	s, err := signer.NewKMS(tbl, api, clk, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const testIssuerBase = "http://127.0.0.1:9229/"

func issueFor(ctx context.Context, s signer.Signer, clk clock.Clock, pool string) (token.Tokens, error) {
	return token.NewIssuer(s, clk, nil).Issue(ctx, token.IssueInput{
		Issuer: testIssuerBase + pool, PoolID: pool, ClientID: "client1", Subject: "sub-1", Username: "bob",
		AuthTime: clk.Now(), IDClaims: map[string]any{"email": "bob@example.com", "email_verified": true},
	})
}

// jwksVerifier is an independent verifier: golang-jwt over the published JWKS document alone
// (token.JWKS of PublicKeys), sharing no code with token.Issuer.Verify.
type jwksVerifier struct {
	keys map[string]*rsa.PublicKey
	clk  clock.Clock
}

func newJWKSVerifier(t *testing.T, ctx context.Context, s signer.Signer, clk clock.Clock, pool string) *jwksVerifier {
	t.Helper()
	pub, err := s.PublicKeys(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := token.JWKS(pub)
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []struct{ Kty, Alg, Use, Kid, N, E string }
	}
	if err := json.Unmarshal(doc, &set); err != nil {
		t.Fatal(err)
	}
	v := &jwksVerifier{keys: map[string]*rsa.PublicKey{}, clk: clk}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || k.Alg != "RS256" || k.Use != "sig" {
			t.Fatalf("JWKS entry %+v", k)
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil {
			t.Fatalf("JWKS entry %s: %v %v", k.Kid, err1, err2)
		}
		v.keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return v
}

func (v *jwksVerifier) verify(raw, pool string) (jwt.MapClaims, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		k, ok := v.keys[kid]
		if !ok {
			return nil, fmt.Errorf("kid %q not in the JWKS", kid)
		}
		return k, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(testIssuerBase+pool), jwt.WithTimeFunc(v.clk.Now))
	return claims, err
}

// checkTokens verifies both tokens with the independent verifier and with token.Issuer.Verify in a
// process that has no KMS access.
func checkTokens(t *testing.T, ctx context.Context, toks token.Tokens, s signer.Signer, verifier signer.Signer, clk clock.Clock, pool string) {
	t.Helper()
	v := newJWKSVerifier(t, ctx, s, clk, pool)
	for _, raw := range []string{toks.AccessToken, toks.IDToken} {
		c, err := v.verify(raw, pool)
		if err != nil {
			t.Fatalf("independent JWKS verification: %v", err)
		}
		if c["sub"] != "sub-1" {
			t.Fatalf("claims %v", c)
		}
	}
	iss := token.NewIssuer(verifier, clk, nil)
	if _, err := iss.Verify(ctx, toks.AccessToken, token.Expect{Issuer: testIssuerBase + pool, PoolID: pool, TokenUse: token.UseAccess, ClientID: "client1"}); err != nil {
		t.Fatalf("token.Verify access: %v", err)
	}
	if _, err := iss.Verify(ctx, toks.IDToken, token.Expect{Issuer: testIssuerBase + pool, PoolID: pool, TokenUse: token.UseID, ClientID: "client1"}); err != nil {
		t.Fatalf("token.Verify id: %v", err)
	}
}

// poolKMSKeys lists the emulator's keys whose description names pool, by key state.
func poolKMSKeys(t *testing.T, ctx context.Context, c *kms.Client, pool string) map[types.KeyState][]string {
	t.Helper()
	out := map[types.KeyState][]string{}
	p := kms.NewListKeysPaginator(c, &kms.ListKeysInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range page.Keys {
			d, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: k.KeyArn})
			if err != nil {
				t.Fatal(err)
			}
			if d.KeyMetadata.Description != nil && strings.Contains(*d.KeyMetadata.Description, "pool "+pool+",") {
				out[d.KeyMetadata.KeyState] = append(out[d.KeyMetadata.KeyState], *k.KeyArn)
			}
		}
	}
	return out
}

// keyItems returns the pool's key items as decoded JSON.
func keyItems(t *testing.T, ctx context.Context, tbl store.Table, pool string) []store.Item {
	t.Helper()
	items, _, err := tbl.Query(ctx, "KEYS#"+pool, "", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func recordField(t *testing.T, it store.Item, field string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(it.Data, &m); err != nil {
		t.Fatal(err)
	}
	s, _ := m[field].(string)
	return s
}

// newTable is a fresh embedded store (what `cognate serve` runs on) on a temporary file.
func newTable(t testing.TB, clk clock.Clock) store.Table {
	t.Helper()
	tbl, err := embedded.OpenTemp(clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tbl.Close() })
	return tbl
}

// errTableDown is what a storetest.Faulty table fails with in these tests.
var errTableDown = errors.New("table: connection reset")
