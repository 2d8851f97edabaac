package model

import "github.com/cognatehq/cognate/pkg/cognito"

type AttributeType struct {
	Name  string  `cognito:"required,min=1,max=32,pattern=attrName"`
	Value *string `json:",omitempty" cognito:"max=2048,sensitive"`
}

type CodeDeliveryDetailsType struct {
	Destination    string `json:",omitempty"`
	DeliveryMedium string `json:",omitempty"`
	AttributeName  string `json:",omitempty"`
}

type MFAOptionType struct {
	DeliveryMedium string `json:",omitempty"`
	AttributeName  string `json:",omitempty"`
}

type UserType struct {
	Username             string          `json:",omitempty"`
	Attributes           []AttributeType `json:",omitempty"`
	UserCreateDate       *cognito.Time   `json:",omitempty"`
	UserLastModifiedDate *cognito.Time   `json:",omitempty"`
	Enabled              bool
	UserStatus           string          `json:",omitempty"`
	MFAOptions           []MFAOptionType `json:",omitempty"`
}

type NewDeviceMetadataType struct {
	DeviceKey      string `json:",omitempty"`
	DeviceGroupKey string `json:",omitempty"`
}

type AuthenticationResultType struct {
	AccessToken       string                 `json:",omitempty"`
	ExpiresIn         int32                  `json:",omitempty"`
	TokenType         string                 `json:",omitempty"`
	RefreshToken      string                 `json:",omitempty"`
	IdToken           string                 `json:",omitempty"`
	NewDeviceMetadata *NewDeviceMetadataType `json:",omitempty"`
}

// Threat-protection and analytics inputs are accepted and ignored.
type UserContextDataType struct {
	IpAddress   string `json:",omitempty"`
	EncodedData string `json:",omitempty"`
}

type AnalyticsMetadataType struct {
	AnalyticsEndpointId string `json:",omitempty"`
}

type HttpHeader struct {
	HeaderName  string `json:"headerName,omitempty"`
	HeaderValue string `json:"headerValue,omitempty"`
}

type ContextDataType struct {
	IpAddress   string       `json:",omitempty"`
	ServerName  string       `json:",omitempty"`
	ServerPath  string       `json:",omitempty"`
	HttpHeaders []HttpHeader `json:",omitempty"`
	EncodedData string       `json:",omitempty"`
}

type DeviceSecretVerifierConfigType struct {
	PasswordVerifier string `json:",omitempty" cognito:"sensitive"`
	Salt             string `json:",omitempty"`
}

type DeviceType struct {
	DeviceKey                   string          `json:",omitempty"`
	DeviceAttributes            []AttributeType `json:",omitempty"`
	DeviceCreateDate            *cognito.Time   `json:",omitempty"`
	DeviceLastModifiedDate      *cognito.Time   `json:",omitempty"`
	DeviceLastAuthenticatedDate *cognito.Time   `json:",omitempty"`
}
