package main

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"flag"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cognatehq/cognate/bench/report"
	"github.com/cognatehq/cognate/pkg/app/local"
	"github.com/cognatehq/cognate/pkg/srp"
)

// Names of the crypto benchmarks; the report's crypto recipes refer to them.
const (
	cbRSASign       = "rsa2048-sign"
	cbRSASignPar    = "rsa2048-sign-parallel"
	cbRSAVerify     = "rsa2048-verify"
	cbJWTVerify     = "jwt-rs256-verify"
	cbSRPStep1      = "srp-server-step1"
	cbSRPStep2      = "srp-server-step2"
	cbVerifierCheck = "srp-verifier-check"
	cbSRPClient     = "srp-client"
)

// cryptoBenchmarks runs testing.Benchmark in this process for the primitives each operation is
// made of: the physical limit on this machine, measured in the same run as the load.
func cryptoBenchmarks(benchtime time.Duration) []report.CryptoBench {
	testing.Init()
	_ = flag.Set("test.benchtime", benchtime.String())
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	digest := sha256.Sum256([]byte("header.payload"))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])

	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"sub": "5f1b0c8e-4d3a-4b7e-9a55-0d7c3f1e2a10", "iss": "http://127.0.0.1:9229/us-east-1_Cognate01",
		"client_id": local.ReadyClientID, "origin_jti": "b1e7", "event_id": "e1", "token_use": "access", "scope": "aws.cognito.signin.user.admin",
		"auth_time": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(), "jti": "j1", "username": "u0000001@bench.example"})
	tok.Header["kid"] = "bench"
	raw, _ := tok.SignedString(key)
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer("http://127.0.0.1:9229/us-east-1_Cognate01"), jwt.WithExpirationRequired())

	pool := srp.PoolName(local.ReadyPoolID)
	salt, verifier, _ := srp.NewVerifier(rand.Reader, pool, "alice", password)
	cl, _ := srp.NewClient(rand.Reader)
	A, _ := srp.ParseA(cl.SRPA())
	step, _ := srp.NewServerStep(rand.Reader, verifier)
	block := []byte("secret block of the bench")
	ts := srp.FormatTimestamp(time.Now())
	claim, _ := cl.PasswordClaim(pool, "alice", password, srp.Challenge{Salt: hex.EncodeToString(salt), B: srp.HexInt(step.B),
		SecretBlock: base64.StdEncoding.EncodeToString(block)}, ts)

	type bench struct {
		name, desc string
		par        bool
		fn         func(b *testing.B)
	}
	list := []bench{
		{cbRSASign, "RSA-2048 PKCS#1 v1.5 SHA-256 sign (crypto/rsa), one core", false, func(b *testing.B) {
			for b.Loop() {
				if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:]); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{cbRSASignPar, "RSA-2048 sign on every core (RunParallel): ns per signature overall", true, func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:]); err != nil {
						b.Fatal(err)
					}
				}
			})
		}},
		{cbRSAVerify, "RSA-2048 PKCS#1 v1.5 verify, one core", false, func(b *testing.B) {
			for b.Loop() {
				if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{cbJWTVerify, "JWT RS256 parse + verify (golang-jwt; alg, iss, exp), one core", false, func(b *testing.B) {
			kf := func(*jwt.Token) (any, error) { return &key.PublicKey, nil }
			for b.Loop() {
				if _, err := parser.Parse(raw, kf); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{cbSRPStep1, "SRP server step 1: b (256 bit), B = k·v + g^b mod N (pkg/srp.NewServerStep)", false, func(b *testing.B) {
			for b.Loop() {
				if _, err := srp.NewServerStep(rand.Reader, verifier); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{cbSRPStep2, "SRP server step 2: u, S = (A·v^u)^b, HKDF, signature check (pkg/srp)", false, func(b *testing.B) {
			for b.Loop() {
				k, err := srp.ServerSessionKey(A, step.B, step.Secret, verifier)
				if err != nil || !srp.VerifySignature(k, pool, "alice", block, ts, claim) {
					b.Fatal("SRP proof rejected", err)
				}
			}
		}},
		{cbVerifierCheck, "Password check against the stored SRP verifier: g^x mod N (pkg/srp.CheckPassword); SignUp's verifier costs the same", false, func(b *testing.B) {
			for b.Loop() {
				if !srp.CheckPassword(salt, verifier, pool, "alice", password) {
					b.Fatal("rejected")
				}
			}
		}},
		{cbSRPClient, "SRP client (load generator): a, A = g^a (1024-bit a) and PasswordClaim", false, func(b *testing.B) {
			ch := srp.Challenge{Salt: hex.EncodeToString(salt), B: srp.HexInt(step.B), SecretBlock: base64.StdEncoding.EncodeToString(block)}
			for b.Loop() {
				c, err := srp.NewClient(rand.Reader)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := c.PasswordClaim(pool, "alice", password, ch, ts); err != nil {
					b.Fatal(err)
				}
			}
		}},
	}
	var out []report.CryptoBench
	for _, bm := range list {
		r := testing.Benchmark(bm.fn)
		if r.N == 0 {
			continue
		}
		ns := float64(r.T.Nanoseconds()) / float64(r.N)
		cb := report.CryptoBench{Name: bm.name, Desc: bm.desc, NsPerOp: round(ns, 0), N: r.N, Parallel: bm.par, OpsPerSec: round(1e9/ns, 1)}
		out = append(out, cb)
	}
	return out
}
