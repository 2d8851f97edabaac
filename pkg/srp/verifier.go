package srp

import (
	"crypto/subtle"
	"encoding/base64"
	"io"
	"math/big"
)

// Sizes the JavaScript client uses, kept here so NewDeviceSecret draws random bytes exactly as it
// does.
const (
	saltBytes           = 16 // user salts (Cognito) and device salts (JS generateHashDevice)
	devicePasswordBytes = 40 // JS generateRandomString: Base64 of 40 random bytes
)

// NewVerifier makes what is stored whenever a plaintext password is seen: 16 random salt bytes
// and the verifier PAD(g^x mod N). userID must be the canonical internal username later sent as
// USER_ID_FOR_SRP; changing it invalidates the verifier.
func NewVerifier(r io.Reader, poolName, userID, password string) (salt, verifier []byte, err error) {
	salt = make([]byte, saltBytes)
	if _, err := io.ReadFull(r, salt); err != nil {
		return nil, nil, err
	}
	return salt, Verifier(salt, poolName, userID, password), nil
}

// Verifier is PAD(g^x mod N) for x = H(PAD(salt) || H(poolName || userID || ":" || password)).
func Verifier(salt []byte, poolName, userID, password string) []byte {
	return Pad(verifierOf(salt, poolName, userID, password))
}

func verifierOf(salt []byte, poolName, userID, password string) *big.Int {
	return new(big.Int).Exp(generator, passwordExponent(salt, poolName, userID, password), prime)
}

// CheckPassword reports whether password matches a stored salt and verifier, for the flows that
// carry the password itself (USER_PASSWORD_AUTH, ChangePassword). The comparison is constant-time
// over N-wide encodings, so the stored encoding (padded or not) does not matter.
func CheckPassword(salt, verifier []byte, poolName, userID, password string) bool {
	stored, err := verifierInt(verifier)
	if err != nil {
		return false
	}
	got := verifierOf(salt, poolName, userID, password)
	return subtle.ConstantTimeCompare(got.FillBytes(make([]byte, primeBytes)), stored.FillBytes(make([]byte, primeBytes))) == 1
}

// NewDeviceSecret does what amazon-cognito-identity-js does when Cognito hands it
// NewDeviceMetadata (AuthenticationHelper.generateHashDevice): invent a device password (Base64 of
// 40 random bytes), a salt PAD(int(16 random bytes)) and the verifier PAD(g^x mod N) with poolName
// = deviceGroupKey and userID = deviceKey. ConfirmDevice sends Base64(salt) and Base64(verifier)
// as DeviceSecretVerifierConfig; the client keeps the password for DEVICE_SRP_AUTH.
func NewDeviceSecret(r io.Reader, deviceGroupKey, deviceKey string) (password string, salt, verifier []byte, err error) {
	buf := make([]byte, devicePasswordBytes+saltBytes)
	if _, err := io.ReadFull(r, buf); err != nil {
		return "", nil, nil, err
	}
	password = base64.StdEncoding.EncodeToString(buf[:devicePasswordBytes])
	// Unlike a user salt, the device salt is sent already PAD'ed: 15 to 17 bytes.
	salt = Pad(new(big.Int).SetBytes(buf[devicePasswordBytes:]))
	return password, salt, Verifier(salt, deviceGroupKey, deviceKey, password), nil
}
