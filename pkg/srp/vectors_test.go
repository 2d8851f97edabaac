package srp

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cognatehq/cognate/infra/gate"
	"github.com/cognatehq/cognate/infra/nodetest"
)

// vector is one case of testdata/vectors.json, written by testdata/gen-vectors.js from
// amazon-cognito-identity-js. Integers are lowercase unpadded hex; random inputs are the exact
// bytes the library consumed, which the Go side replays through its io.Reader parameters.
type vector struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // "user" (USER_SRP_AUTH) or "device" (DEVICE_SRP_AUTH)
	Why  string `json:"why"`

	PoolID   string `json:"poolId"`   // user only
	PoolName string `json:"poolName"` // or DeviceGroupKey
	Username string `json:"username"` // what the user typed; never hashed
	UserID   string `json:"userId"`   // USER_ID_FOR_SRP, or DeviceKey
	Password string `json:"password"` // or the device password

	DeviceRandom                  string `json:"deviceRandom"`                  // device: 40 + 16 random bytes
	ConfirmDeviceSalt             string `json:"confirmDeviceSalt"`             // device: base64, as ConfirmDevice sends it
	ConfirmDevicePasswordVerifier string `json:"confirmDevicePasswordVerifier"` // device: base64

	Salt         string `json:"salt"`     // SALT as the server sends it
	Verifier     string `json:"verifier"` // PAD(v)
	ClientRandom string `json:"clientRandom"`
	ServerRandom string `json:"serverRandom"` // b
	SecretBlock  string `json:"secretBlock"`
	Time         string `json:"time"` // RFC 3339, the library's clock

	SRPA      string `json:"srpA"`
	SRPB      string `json:"srpB"`
	Timestamp string `json:"timestamp"`
	Signature string `json:"signature"`

	SmallA string `json:"a"`
	U      string `json:"u"`
	X      string `json:"x"`
	S      string `json:"S"`
	Key    string `json:"key"`
}

const vectorsFile = "testdata/vectors.json"

func loadVectors(t *testing.T) []vector {
	t.Helper()
	raw, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Comment string   `json:"comment"`
		Library string   `json:"library"`
		Cases   []vector `json:"cases"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields() // a field the generator adds must be checked here too
	if err := dec.Decode(&file); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(file.Library, "amazon-cognito-identity-js@") || len(file.Cases) == 0 {
		t.Fatalf("%s: unexpected content (library %q, %d cases)", vectorsFile, file.Library, len(file.Cases))
	}
	return file.Cases
}

// TestVectors checks that our server and our client reproduce, byte for byte, every value
// amazon-cognito-identity-js computed.
func TestVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			eq := func(what, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("%s:\n got %s\nwant %s", what, got, want)
				}
			}

			// The stored secret, made the way each side makes it.
			switch v.Kind {
			case "user":
				eq("PoolName", PoolName(v.PoolID), v.PoolName)
				salt, verifier, err := NewVerifier(bytes.NewReader(hexBytes(t, v.Salt)), v.PoolName, v.UserID, v.Password)
				if err != nil {
					t.Fatal(err)
				}
				eq("salt", hex.EncodeToString(salt), v.Salt)
				eq("verifier", hex.EncodeToString(verifier), v.Verifier)
			case "device":
				password, salt, verifier, err := NewDeviceSecret(bytes.NewReader(hexBytes(t, v.DeviceRandom)), v.PoolName, v.UserID)
				if err != nil {
					t.Fatal(err)
				}
				eq("device password", password, v.Password)
				eq("ConfirmDevice Salt", base64.StdEncoding.EncodeToString(salt), v.ConfirmDeviceSalt)
				eq("ConfirmDevice PasswordVerifier", base64.StdEncoding.EncodeToString(verifier), v.ConfirmDevicePasswordVerifier)
				eq("SALT", hex.EncodeToString(salt), v.Salt)
				eq("verifier", hex.EncodeToString(verifier), v.Verifier)
			default:
				t.Fatalf("kind %q", v.Kind)
			}
			verifier := hexBytes(t, v.Verifier)
			if err := CheckVerifier(verifier); err != nil {
				t.Fatal(err)
			}
			if !CheckPassword(hexBytes(t, v.Salt), verifier, v.PoolName, v.UserID, v.Password) {
				t.Error("CheckPassword rejects the library's verifier")
			}

			// Round one: a, A, b, B.
			c, err := NewClient(bytes.NewReader(hexBytes(t, v.ClientRandom)))
			if err != nil {
				t.Fatal(err)
			}
			eq("a", HexInt(c.a), v.SmallA)
			eq("SRP_A", c.SRPA(), v.SRPA)
			step, err := NewServerStep(bytes.NewReader(hexBytes(t, v.ServerRandom)), verifier)
			if err != nil {
				t.Fatal(err)
			}
			eq("SRP_B", HexInt(step.B), v.SRPB)

			// Intermediates, from both ends.
			A, err := ParseA(v.SRPA)
			if err != nil {
				t.Fatal(err)
			}
			salt, err := ParseSalt(v.Salt)
			if err != nil {
				t.Fatal(err)
			}
			u := scramble(A, step.B)
			x := passwordExponent(salt, v.PoolName, v.UserID, v.Password)
			eq("u", HexInt(u), v.U)
			eq("x", HexInt(x), v.X)
			eq("S (server)", HexInt(serverPremaster(A, step.Secret, new(big.Int).SetBytes(verifier), u)), v.S)
			eq("S (client)", HexInt(c.premaster(step.B, u, x)), v.S)

			// The session key, stateful and stateless server, and client.
			key, err := step.SessionKey(A)
			if err != nil {
				t.Fatal(err)
			}
			eq("key (server)", hex.EncodeToString(key), v.Key)
			key2, err := ServerSessionKey(A, step.B, step.Secret, verifier)
			if err != nil {
				t.Fatal(err)
			}
			eq("key (ServerSessionKey)", hex.EncodeToString(key2), v.Key)
			key3, err := c.SessionKey(v.PoolName, v.UserID, v.Password, salt, step.B)
			if err != nil {
				t.Fatal(err)
			}
			eq("key (client)", hex.EncodeToString(key3), v.Key)

			// TIMESTAMP and PASSWORD_CLAIM_SIGNATURE.
			at, err := time.Parse(time.RFC3339, v.Time)
			if err != nil {
				t.Fatal(err)
			}
			eq("TIMESTAMP", FormatTimestamp(at), v.Timestamp)
			if got, err := ParseTimestamp(v.Timestamp); err != nil || !got.Equal(at) {
				t.Errorf("ParseTimestamp(%q) = %v, %v", v.Timestamp, got, err)
			}
			sig, err := c.PasswordClaim(v.PoolName, v.UserID, v.Password, Challenge{Salt: v.Salt, B: v.SRPB, SecretBlock: v.SecretBlock}, v.Timestamp)
			if err != nil {
				t.Fatal(err)
			}
			eq("PASSWORD_CLAIM_SIGNATURE", sig, v.Signature)
			block, err := base64.StdEncoding.DecodeString(v.SecretBlock)
			if err != nil {
				t.Fatal(err)
			}
			if !VerifySignature(key, v.PoolName, v.UserID, block, v.Timestamp, v.Signature) {
				t.Error("server rejects the library's signature")
			}
		})
	}
}

// TestVectorsCoverage keeps the vectors honest: if they are regenerated with other inputs, they
// must still reach every encoding edge that once broke SRP implementations.
func TestVectorsCoverage(t *testing.T) {
	seen := map[string]bool{}
	mark := func(name string, n *big.Int, width int) {
		if Pad(n)[0] == 0 {
			seen["PAD adds 0x00 to "+name] = true
		} else {
			seen["PAD adds nothing to "+name] = true
		}
		if len(n.Bytes()) < width {
			seen[name+" shorter than its width"] = true
		}
	}
	hexInt := func(s string) *big.Int {
		n, ok := new(big.Int).SetString(s, 16)
		if !ok {
			t.Fatalf("bad hex integer %q", s)
		}
		return n
	}
	for _, v := range loadVectors(t) {
		seen["kind "+v.Kind] = true
		salt := hexBytes(t, v.Salt)
		if salt[0] == 0 {
			seen["SALT with a leading zero byte"] = true
		}
		mark("salt", new(big.Int).SetBytes(salt), len(salt))
		mark("verifier", new(big.Int).SetBytes(hexBytes(t, v.Verifier)), primeBytes)
		mark("A", hexInt(v.SRPA), primeBytes)
		mark("B", hexInt(v.SRPB), primeBytes)
		mark("u", hexInt(v.U), 32)
		mark("S", hexInt(v.S), primeBytes)
		if v.Kind == "device" {
			seen[fmt.Sprintf("device salt of %d bytes", len(salt))] = true
		}
		if strings.ContainsFunc(v.Password+v.UserID, func(r rune) bool { return r >= utf8.RuneSelf }) {
			seen["non-ASCII user id or password"] = true
		}
		if f := strings.Fields(v.Timestamp); len(f) == 6 {
			seen[fmt.Sprintf("TIMESTAMP day of %d digit(s)", len(f[2]))] = true
		}
	}
	for _, want := range []string{
		"kind user", "kind device",
		"SALT with a leading zero byte", "PAD adds 0x00 to salt", "PAD adds nothing to salt",
		"PAD adds 0x00 to verifier", "verifier shorter than its width",
		"PAD adds 0x00 to A", "PAD adds nothing to A", "A shorter than its width",
		"PAD adds 0x00 to B", "PAD adds nothing to B", "B shorter than its width",
		"PAD adds 0x00 to u", "PAD adds nothing to u", "u shorter than its width",
		"PAD adds 0x00 to S", "PAD adds nothing to S", "S shorter than its width",
		"device salt of 15 bytes", "device salt of 17 bytes",
		"non-ASCII user id or password",
		"TIMESTAMP day of 1 digit(s)", "TIMESTAMP day of 2 digit(s)",
	} {
		if !seen[want] {
			t.Errorf("no vector covers: %s", want)
		}
	}
}

// TestVectorsFromNode proves the committed vectors are live: it re-runs gen-vectors.js against the
// installed amazon-cognito-identity-js and requires identical output. Without node or the package
// it skips, and fails under COGNATE_REQUIRE_CLIENTS=1 (`make test`): infra/nodetest.
func TestVectorsFromNode(t *testing.T) {
	node := nodetest.Node(t)
	if tools := os.Getenv("COGNATE_NODE_TOOLS"); tools != "" { // gen-vectors.js reads it too
		if _, err := os.Stat(filepath.Join(tools, "node_modules", "amazon-cognito-identity-js", "package.json")); err != nil {
			gate.Missing(t, gate.Clients, "amazon-cognito-identity-js in COGNATE_NODE_TOOLS", err)
		}
	} else {
		nodetest.Tools(t, "amazon-cognito-identity-js")
	}
	out := filepath.Join(t.TempDir(), "vectors.json")
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("testdata", "gen-vectors.js"), out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen-vectors.js: %v\n%s", err, msg)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from a fresh run at line %d:\n got %.200s\nwant %.200s\n(regenerate with `node pkg/srp/testdata/gen-vectors.js` if the library changed on purpose)", vectorsFile, i+1, g, w)
			}
		}
	}
}
