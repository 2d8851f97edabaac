// Package esdk owns the AWS Encryption SDK message format as Cognito uses it for the codes and
// temporary passwords it hands to CustomEmailSender and CustomSMSSender functions: Encrypt
// makes the message, and Parse and Decrypt read one back (Cognate's own tests, and anyone who
// wants to check a message without the SDK). An existing sender function decrypts what Encrypt
// makes, unchanged, with the Encryption SDK's KMS keyring (@aws-crypto/client-node's
// KmsKeyringNode, aws_encryption_sdk's StrictAwsKmsMasterKeyProvider, ...): the message is the
// SDK's, not a raw KMS ciphertext.
//
// # The message Cognito sends, and so Encrypt
//
// Read from a message Cognito sent to a CustomEmailSender function, and from the format's
// specification (github.com/awslabs/aws-encryption-sdk-specification, data-format/ and
// framework/):
//
//   - message format version 1.0, type 0x80, algorithm suite 0x0378
//     (AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384): a key committed by HKDF-SHA384 from a
//     32-byte data key, AES-256-GCM, and an ECDSA P-384 signature over the whole message. It is
//     the SDK's default suite before key commitment (version 2.0 messages, 0x0578) and one every
//     SDK decrypts under CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT, the policy AWS's own
//     sender samples build their client with (they could not read a committing message either
//     way: both are allowed on decrypt);
//   - the encryption context {"userpool-id": <pool id>} plus the signature's public key,
//     "aws-crypto-public-key": base64 of the compressed P-384 point, as every SDK adds it;
//   - one encrypted data key: provider id "aws-kms", provider info the KMS key's ARN, the data
//     key wrapped by KMS under the whole encryption context (the context the keyring passes to
//     KMS Decrypt, so a key policy can pin kms:EncryptionContext:userpool-id);
//   - framed content, 4096-byte frames, 12-byte IVs; the code in one final frame;
//   - a 103-byte signature (DER, low-S), the static length the SDKs' signers produce.
//
// The data key is drawn here and wrapped with KMS Encrypt, not GenerateDataKey: the key policy
// Cognito's documentation asks users to write grants cognito-idp.amazonaws.com kms:Encrypt
// only, and a data key wrapped by Encrypt is a ciphertext blob KMS Decrypt opens like any other.
// So a Cognate deployment needs kms:Encrypt on the pool's key, as Cognito does.
//
// # Failing closed
//
// Every KMS error is returned, wrapped, with the SDK's error reachable by errors.As; nothing is
// retried here beyond the SDK's own retryer and nothing falls back to another key. Each KMS call
// runs under its own deadline (Config.Timeout). Parse refuses anything it does not fully
// understand (another version or suite, trailing bytes, a frame out of sequence) with ErrFormat.
package esdk
