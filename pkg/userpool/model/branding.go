package model

import (
	"encoding/json"

	"github.com/cognatehq/cognate/pkg/cognito"
)

// UICustomizationType is a pool's classic hosted-UI customization, of one client or of every
// client without its own (ClientId "ALL").
type UICustomizationType struct {
	UserPoolId       string        `json:",omitempty"`
	ClientId         string        `json:",omitempty"`
	ImageUrl         string        `json:",omitempty"`
	CSS              string        `json:",omitempty"`
	CSSVersion       string        `json:",omitempty"`
	LastModifiedDate *cognito.Time `json:",omitempty"`
	CreationDate     *cognito.Time `json:",omitempty"`
}

// AssetType is one image of a managed-login branding style.
type AssetType struct {
	Category   string `cognito:"required,enum=FAVICON_ICO|FAVICON_SVG|EMAIL_GRAPHIC|SMS_GRAPHIC|AUTH_APP_GRAPHIC|PASSWORD_GRAPHIC|PASSKEY_GRAPHIC|PAGE_HEADER_LOGO|PAGE_HEADER_BACKGROUND|PAGE_FOOTER_LOGO|PAGE_FOOTER_BACKGROUND|PAGE_BACKGROUND|FORM_BACKGROUND|FORM_LOGO|IDP_BUTTON_ICON"`
	ColorMode  string `cognito:"required,enum=LIGHT|DARK|DYNAMIC"`
	Extension  string `cognito:"required,enum=ICO|JPEG|PNG|SVG|WEBP"`
	Bytes      []byte `json:",omitempty" cognito:"max=1000000"`
	ResourceId string `json:",omitempty" cognito:"min=1,max=40,pattern=assetResourceId"`
}

// ManagedLoginBrandingType is a managed-login branding style, assigned to one app client.
type ManagedLoginBrandingType struct {
	ManagedLoginBrandingId   string          `json:",omitempty"`
	UserPoolId               string          `json:",omitempty"`
	UseCognitoProvidedValues bool            `json:",omitempty"`
	Settings                 json.RawMessage `json:",omitempty"`
	Assets                   []AssetType     `json:",omitempty"`
	CreationDate             *cognito.Time   `json:",omitempty"`
	LastModifiedDate         *cognito.Time   `json:",omitempty"`
}
