// Package passwords owns what is kept of a password and how it is judged: the SRP salt and
// verifier, sealed and bound to the pool and the user's sub (never the password, never a plain
// hash), checking a password by recomputing the verifier in constant time (an unknown user pays
// the same exponentiation), and temporary passwords that satisfy the pool's policy and expire.
// The policy's rules themselves are the model's (model.CheckPasswordPolicy).
package passwords

import (
	"context"
	"strings"
	"time"

	"github.com/cognatehq/cognate/pkg/srp"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/ports"
)

// Passwords makes and checks password verifiers over the service's ports.
type Passwords struct{ *ports.Ports }

func VerifierAAD(poolID, sub string) []byte {
	return []byte("cognate/srp-verifier/" + poolID + "/" + sub)
}

// New computes the SRP salt and verifier for a password (§4.5: pool name part and the
// internal username) and seals the verifier. The name is the username folded as the pool folds
// names (userKey: NFKC, lower case when case-insensitive), so that USER_ID_FOR_SRP — the name
// clients sign with — is the same for every spelling of a name, real or unknown: a username
// stored as "Alice" in a case-insensitive pool answers "alice", as an unknown "gHOST" answers
// "ghost" (ENUM-02). Passwords set before this carry Folded=false and keep the stored name.
func (ps *Passwords) New(ctx context.Context, p *model.Pool, username, sub, pw string, temporary bool) (*model.PasswordRecord, error) {
	name := model.UserKey(p, username)
	salt, v, err := srp.NewVerifier(ps.Rand, srp.PoolName(p.Id), name, pw)
	if err != nil {
		return nil, err
	}
	sealed, err := ps.Sealer.Seal(ctx, v, VerifierAAD(p.Id, sub))
	if err != nil {
		return nil, err
	}
	return &model.PasswordRecord{Salt: salt, Verifier: sealed, SetAt: ps.Now(), Temporary: temporary, Folded: name != username}, nil
}

// DummyVerifier lets an unknown user cost one modular exponentiation, like a real one (ENUM-03).
var dummySalt, DummyVerifier = func() ([]byte, []byte) {
	salt := []byte("cognate-dummy-salt")
	return salt, srp.Verifier(salt, "dummy", "dummy", "dummy-password")
}()

// Check recomputes g^x mod N and compares in constant time. A user without a password
// (or nil) still pays for one exponentiation.
func (ps *Passwords) Check(ctx context.Context, p *model.Pool, u *model.User, pw string) (bool, error) {
	if u == nil || u.Password == nil {
		srp.CheckPassword(dummySalt, DummyVerifier, "dummy", "dummy", pw)
		return false, nil
	}
	v, err := ps.Sealer.Open(ctx, u.Password.Verifier, VerifierAAD(p.Id, u.Sub()))
	if err != nil {
		return false, err
	}
	return srp.CheckPassword(u.Password.Salt, v, srp.PoolName(p.Id), model.SRPName(p, u), pw), nil
}

// Temporary generates a random password that satisfies the pool's policy.
func (ps *Passwords) Temporary(p *model.Pool) (string, error) {
	pol := p.Policy()
	n := 12
	if pol.MinimumLength != nil && int(*pol.MinimumLength) > n {
		n = int(*pol.MinimumLength)
	}
	parts := []string{"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "!@#$%^&*"}
	var b []byte
	for _, set := range parts {
		c, err := ps.RandomString(set, 1)
		if err != nil {
			return "", err
		}
		b = append(b, c...)
	}
	rest, err := ps.RandomString("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", n-len(b))
	if err != nil {
		return "", err
	}
	b = append(b, rest...)
	// Shuffle so the class characters are not always in front.
	for i := len(b) - 1; i > 0; i-- {
		j, err := ps.RandomString(ports.Alnum[:i+1], 1)
		if err != nil {
			return "", err
		}
		k := strings.IndexByte(ports.Alnum, j[0])
		b[i], b[k] = b[k], b[i]
	}
	return string(b), nil
}

// TemporaryExpired tells whether a FORCE_CHANGE_PASSWORD user's temporary password is past
// TemporaryPasswordValidityDays.
func (ps *Passwords) TemporaryExpired(p *model.Pool, u *model.User) bool {
	if u.Password == nil || !u.Password.Temporary {
		return false
	}
	days := p.Policy().TemporaryPasswordValidityDays
	if days <= 0 {
		days = 7
	}
	return ps.Now().After(u.Password.SetAt.Add(time.Duration(days) * 24 * time.Hour))
}
