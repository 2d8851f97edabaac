package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/golang-jwt/jwt/v5"

	"github.com/cognatehq/cognate/bench/report"
	"github.com/cognatehq/cognate/pkg/srp"
)

// session is the state the workloads of one run share: the target, how many seeded users there
// are (u0000000 … u<n-1>), and tokens from sign-ins made before any measurement.
type session struct {
	t         *target
	users     int
	access    []string
	refresh   []string
	signups   atomic.Int64
	signupTag string
	srpPool   chan *srp.Client
	srpInline atomic.Int64
}

// workload is one operation: prepare checks that the server supports it (one real call) and
// returns the function the workers run.
type workload struct {
	op      string
	remote  bool // talks to the server (false: in-process resource-server verification)
	prepare func(ctx context.Context, s *session) (opFunc, error)
	// prime, when set, runs before each point outside the window with the number of operations
	// the point may do (the SRP client's ephemeral keys).
	prime func(s *session, n int)
}

func (s *session) randomUser() string { return userEmail(mrand.IntN(s.users)) }

// signInTokenUsers signs n random seeded users in with USER_PASSWORD_AUTH and keeps their tokens
// for the refresh, GetUser and verification workloads.
func (s *session) signInTokenUsers(ctx context.Context, n int) error {
	s.access, s.refresh = nil, nil
	for i := range n {
		u := userEmail((i * 7919) % s.users) // spread over the pool, deterministic
		res, err := s.t.passwordSignIn(ctx, u)
		if err != nil {
			return err
		}
		if res.RefreshToken == nil {
			return errors.New("sign-in returned no refresh token")
		}
		s.access = append(s.access, *res.AccessToken)
		s.refresh = append(s.refresh, *res.RefreshToken)
	}
	return nil
}

func workloads() []workload {
	return []workload{
		{op: report.OpPassword, remote: true, prepare: func(ctx context.Context, s *session) (opFunc, error) {
			op := func(ctx context.Context, w, i int) error {
				_, err := s.t.passwordSignIn(ctx, s.randomUser())
				return err
			}
			return op, op(ctx, 0, 0)
		}},
		{op: report.OpSRP, remote: true, prime: primeSRP, prepare: func(ctx context.Context, s *session) (opFunc, error) {
			op := func(ctx context.Context, w, i int) error { return s.srpSignIn(ctx, s.randomUser()) }
			return op, op(ctx, 0, 0)
		}},
		{op: report.OpRefresh, remote: true, prepare: func(ctx context.Context, s *session) (opFunc, error) {
			op := func(ctx context.Context, w, i int) error {
				rt := s.refresh[(w*131+i)%len(s.refresh)]
				out, err := s.t.c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(s.t.clientID), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
					AuthParameters: map[string]string{"REFRESH_TOKEN": rt}})
				if err != nil {
					return fmt.Errorf("InitiateAuth REFRESH_TOKEN_AUTH: %w", err)
				}
				if out.AuthenticationResult == nil || out.AuthenticationResult.AccessToken == nil {
					return errors.New("REFRESH_TOKEN_AUTH returned no access token")
				}
				return nil
			}
			return op, op(ctx, 0, 0)
		}},
		{op: report.OpRefreshGT, remote: true, prepare: func(ctx context.Context, s *session) (opFunc, error) {
			op := func(ctx context.Context, w, i int) error {
				rt := s.refresh[(w*131+i)%len(s.refresh)]
				out, err := s.t.c.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(s.t.clientID), RefreshToken: aws.String(rt)})
				if err != nil {
					return fmt.Errorf("GetTokensFromRefreshToken: %w", err)
				}
				if out.AuthenticationResult == nil || out.AuthenticationResult.AccessToken == nil {
					return errors.New("GetTokensFromRefreshToken returned no access token")
				}
				return nil
			}
			return op, op(ctx, 0, 0)
		}},
		{op: report.OpGetUser, remote: true, prepare: func(ctx context.Context, s *session) (opFunc, error) {
			op := func(ctx context.Context, w, i int) error {
				out, err := s.t.c.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(s.access[(w*131+i)%len(s.access)])})
				if err != nil {
					return fmt.Errorf("GetUser: %w", err)
				}
				if out.Username == nil {
					return errors.New("GetUser returned no username")
				}
				return nil
			}
			return op, op(ctx, 0, 0)
		}},
		{op: report.OpListUsers, remote: true, prepare: func(ctx context.Context, s *session) (opFunc, error) {
			op := func(ctx context.Context, w, i int) error {
				email := s.randomUser()
				out, err := s.t.c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(s.t.poolID), Limit: aws.Int32(10),
					Filter: aws.String(fmt.Sprintf("email = %q", email))})
				if err != nil {
					return fmt.Errorf("ListUsers: %w", err)
				}
				if len(out.Users) != 1 {
					return fmt.Errorf("ListUsers email = %q: %d users, want 1", email, len(out.Users))
				}
				return nil
			}
			return op, op(ctx, 0, 0)
		}},
		{op: report.OpVerify, remote: false, prepare: prepareVerify},
		// Last: it grows the pool.
		{op: report.OpSignUp, remote: true, prepare: func(ctx context.Context, s *session) (opFunc, error) {
			op := func(ctx context.Context, w, i int) error {
				n := s.signups.Add(1)
				return s.t.signUp(ctx, fmt.Sprintf("s%s%08d@%s", s.signupTag, n, emailDomain))
			}
			return op, op(ctx, 0, 0)
		}},
	}
}

// ---- SRP ----

// primeSRP precomputes the client's ephemeral keys (a, A = g^a with amazon-cognito-identity-js's
// 1024-bit a: ≈ 3.4 ms each) for up to n sign-ins, so that the window measures the server and
// the client's per-challenge work (PasswordClaim), not the load generator's key generation.
func primeSRP(s *session, n int) {
	if s.srpPool == nil || cap(s.srpPool) < n {
		s.srpPool = make(chan *srp.Client, n)
	}
	need := n - len(s.srpPool)
	if need <= 0 {
		return
	}
	work := make(chan struct{}, need)
	for range need {
		work <- struct{}{}
	}
	close(work)
	done := make(chan struct{})
	workers := 2
	for range workers {
		go func() {
			for range work {
				c, err := srp.NewClient(rand.Reader)
				if err == nil {
					s.srpPool <- c
				}
			}
			done <- struct{}{}
		}()
	}
	for range workers {
		<-done
	}
}

func (s *session) srpClient() (*srp.Client, error) {
	select {
	case c := <-s.srpPool:
		return c, nil
	default:
		s.srpInline.Add(1)
		return srp.NewClient(rand.Reader)
	}
}

// srpSignIn is USER_SRP_AUTH then PASSWORD_VERIFIER with pkg/srp's client, as
// amazon-cognito-identity-js does it.
func (s *session) srpSignIn(ctx context.Context, email string) error {
	cl, err := s.srpClient()
	if err != nil {
		return err
	}
	t := s.t
	out, err := t.c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(t.clientID), AuthFlow: types.AuthFlowTypeUserSrpAuth,
		AuthParameters: map[string]string{"USERNAME": email, "SRP_A": cl.SRPA()}})
	if err != nil {
		return fmt.Errorf("InitiateAuth USER_SRP_AUTH: %w", err)
	}
	if out.ChallengeName != types.ChallengeNameTypePasswordVerifier {
		return fmt.Errorf("USER_SRP_AUTH: challenge %q, want PASSWORD_VERIFIER", out.ChallengeName)
	}
	p := out.ChallengeParameters
	ts := srp.FormatTimestamp(time.Now())
	sig, err := cl.PasswordClaim(srp.PoolName(t.poolID), p["USER_ID_FOR_SRP"], password,
		srp.Challenge{Salt: p["SALT"], B: p["SRP_B"], SecretBlock: p["SECRET_BLOCK"]}, ts)
	if err != nil {
		return fmt.Errorf("PasswordClaim: %w", err)
	}
	r, err := t.c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(t.clientID),
		ChallengeName: types.ChallengeNameTypePasswordVerifier, Session: out.Session,
		ChallengeResponses: map[string]string{"USERNAME": p["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
			"PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": ts}})
	if err != nil {
		return fmt.Errorf("RespondToAuthChallenge PASSWORD_VERIFIER: %w", err)
	}
	if r.AuthenticationResult == nil || r.AuthenticationResult.AccessToken == nil {
		return fmt.Errorf("PASSWORD_VERIFIER: challenge %q instead of tokens", r.ChallengeName)
	}
	return nil
}

// ---- the resource server ----

// prepareVerify is what an API behind the pool does with each request's access token: RS256
// verification (golang-jwt, alg allow-list, issuer, expiry, token_use) with keys fetched once
// from the issuer's JWKS URL.
func prepareVerify(ctx context.Context, s *session) (opFunc, error) {
	if len(s.access) == 0 {
		return nil, errors.New("no access tokens")
	}
	unverified, _, err := jwt.NewParser().ParseUnverified(s.access[0], jwt.MapClaims{})
	if err != nil {
		return nil, err
	}
	iss, err := unverified.Claims.GetIssuer()
	if err != nil || iss == "" {
		return nil, fmt.Errorf("access token has no iss: %v", err)
	}
	keys, err := jwks(ctx, iss+"/.well-known/jwks.json")
	if err != nil {
		return nil, err
	}
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(iss), jwt.WithExpirationRequired())
	keyfunc := func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		k := keys[kid]
		if k == nil {
			return nil, fmt.Errorf("unknown kid %q", kid)
		}
		return (*rsa.PublicKey)(k), nil
	}
	op := func(ctx context.Context, w, i int) error {
		claims := jwt.MapClaims{}
		if _, err := parser.ParseWithClaims(s.access[(w*131+i)%len(s.access)], claims, keyfunc); err != nil {
			return err
		}
		if claims["token_use"] != "access" {
			return fmt.Errorf("token_use %v", claims["token_use"])
		}
		return nil
	}
	return op, op(ctx, 0, 0)
}
