package apptest

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/document"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognatehq/cognate/pkg/store/storetest"
)

// Branding (issue 14 #1): the look of the hosted pages as the API stores it — the classic
// hosted UI's CSS and logo (SetUICustomization / GetUICustomization, a client's own or ALL's)
// and managed-login branding styles (settings and image assets, one style per client).
func runBrandingTests(t *testing.T, newTable storetest.NewTable) {
	t.Run("UICustomization", func(t *testing.T) { testUICustomization(t, Start(t, newTable)) })
	t.Run("UICustomizationValidation", func(t *testing.T) { testUICustomizationValidation(t, Start(t, newTable)) })
	t.Run("ManagedLoginBranding", func(t *testing.T) { testManagedLoginBranding(t, Start(t, newTable)) })
	t.Run("ManagedLoginBrandingValidation", func(t *testing.T) { testManagedLoginBrandingValidation(t, Start(t, newTable)) })
	t.Run("ManagedLoginBrandingLargeAssets", func(t *testing.T) { testManagedLoginBrandingLargeAssets(t, Start(t, newTable)) })
}

// image is n bytes that start as a file of the given kind does.
func image(kind string, n int) []byte {
	head := map[string]string{"png": "\x89PNG\r\n\x1a\n", "jpeg": "\xff\xd8\xff\xe0", "ico": "\x00\x00\x01\x00",
		"svg": `<svg xmlns="http://www.w3.org/2000/svg"></svg>`, "webp": "RIFF\x00\x00\x00\x00WEBPVP8 ", "gif": "GIF89a"}[kind]
	b := bytes.Repeat([]byte{0x5a}, n)
	copy(b, head)
	for i := len(head); i < n; i++ { // vary the bytes, so that chunks differ
		b[i] = byte(i * 7)
	}
	return b
}

func (f fixture) secondClient(t *testing.T) string {
	t.Helper()
	c := must(f.env.Client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(f.poolID), ClientName: aws.String("other")}))(t)
	return aws.ToString(c.UserPoolClient.ClientId)
}

const goodCSS = ".logo-customizable { max-width: 60%; }\n/* a comment */\n.submitButton-customizable, .submitButton-customizable:hover { background-color: #ff9900; }"

func testUICustomization(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	other := f.secondClient(t)
	c := e.Client
	get := func(client *string) *types.UICustomizationType {
		t.Helper()
		return must(c.GetUICustomization(ctx, &cip.GetUICustomizationInput{UserPoolId: aws.String(f.poolID), ClientId: client}))(t).UICustomization
	}

	// Nothing set: the answer names the client and holds no CSS and no logo.
	if u := get(aws.String(f.client)); aws.ToString(u.ClientId) != f.client || u.CSS != nil || u.ImageUrl != nil {
		t.Fatalf("before any customization: %+v", u)
	}

	// ALL: every client without its own falls back to it.
	all := must(c.SetUICustomization(ctx, &cip.SetUICustomizationInput{UserPoolId: aws.String(f.poolID), CSS: aws.String(goodCSS),
		ImageFile: image("png", 2048)}))(t).UICustomization
	wantURL := e.URL + "/" + f.poolID + "/ui/ALL/logo.png"
	if aws.ToString(all.ClientId) != "ALL" || aws.ToString(all.CSS) != goodCSS || aws.ToString(all.ImageUrl) != wantURL ||
		aws.ToString(all.CSSVersion) == "" || all.CreationDate == nil || all.LastModifiedDate == nil {
		t.Fatalf("SetUICustomization ALL: %+v", all)
	}
	for _, client := range []*string{nil, aws.String("ALL"), aws.String(f.client), aws.String(other)} {
		if u := get(client); aws.ToString(u.ClientId) != "ALL" || aws.ToString(u.CSS) != goodCSS || aws.ToString(u.ImageUrl) != wantURL {
			t.Fatalf("GetUICustomization(%v) does not fall back to ALL: %+v", aws.ToString(client), u)
		}
	}

	// A client's own: that client stops falling back; the others do not.
	own := must(c.SetUICustomization(ctx, &cip.SetUICustomizationInput{UserPoolId: aws.String(f.poolID), ClientId: aws.String(f.client),
		CSS: aws.String(".label-customizable { font-weight: 400; }"), ImageFile: image("jpeg", 1024)}))(t).UICustomization
	if aws.ToString(own.ImageUrl) != e.URL+"/"+f.poolID+"/ui/"+f.client+"/logo.jpg" {
		t.Fatalf("client logo URL: %v", aws.ToString(own.ImageUrl))
	}
	// Both ImageUrls serve their logo; another extension or client does not.
	for _, tc := range []struct {
		url, media string
		status     int
	}{
		{wantURL, "image/png", 200}, {aws.ToString(own.ImageUrl), "image/jpeg", 200},
		{e.URL + "/" + f.poolID + "/ui/" + f.client + "/logo.png", "", 404}, {e.URL + "/" + f.poolID + "/ui/" + other + "/logo.png", "", 404},
	} {
		resp, err := http.Get(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || (tc.status == 200 && (resp.Header.Get("Content-Type") != tc.media || len(body) == 0)) {
			t.Errorf("GET %s: %d %q (%d bytes), want %d %s", tc.url, resp.StatusCode, resp.Header.Get("Content-Type"), len(body), tc.status, tc.media)
		}
	}
	if u := get(aws.String(f.client)); aws.ToString(u.ClientId) != f.client || !strings.Contains(aws.ToString(u.CSS), "label-customizable") {
		t.Fatalf("client's own customization: %+v", u)
	}
	if u := get(aws.String(other)); aws.ToString(u.ClientId) != "ALL" {
		t.Fatalf("another client: %+v", u)
	}

	// CSS and logo are set together: a set with CSS alone clears the logo, and keeps the creation date.
	again := must(c.SetUICustomization(ctx, &cip.SetUICustomizationInput{UserPoolId: aws.String(f.poolID), ClientId: aws.String(f.client),
		CSS: aws.String(".label-customizable { font-weight: 700; }")}))(t).UICustomization
	if again.ImageUrl != nil || !again.CreationDate.Equal(*own.CreationDate) {
		t.Fatalf("second set: %+v (first created %v)", again, own.CreationDate)
	}
	// An empty client customization still stops the fallback (Cognito: "it will no longer fall back").
	must(c.SetUICustomization(ctx, &cip.SetUICustomizationInput{UserPoolId: aws.String(f.poolID), ClientId: aws.String(f.client)}))(t)
	if u := get(aws.String(f.client)); aws.ToString(u.ClientId) != f.client || u.CSS != nil || u.ImageUrl != nil {
		t.Fatalf("emptied client customization: %+v", u)
	}
}

func testUICustomizationValidation(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	c := e.Client
	for _, tc := range []struct {
		name     string
		in       cip.SetUICustomizationInput
		typ, in2 string // error shape; a part of its message
	}{
		{"logo not an image", cip.SetUICustomizationInput{ImageFile: image("gif", 100)}, "InvalidParameterException", "PNG or JPEG"},
		{"logo over 100 KB", cip.SetUICustomizationInput{ImageFile: image("png", 100<<10+1)}, "InvalidParameterException", "larger than 102400 bytes"},
		{"CSS over 131072 characters", cip.SetUICustomizationInput{CSS: aws.String(".logo-customizable {" + strings.Repeat(" ", 131072) + "}")}, "InvalidParameterException", "longer than 131072"},
		{"CSS class not customizable", cip.SetUICustomizationInput{CSS: aws.String("body { color: red; }")}, "InvalidParameterException", "selector body"},
		{"CSS at-rule", cip.SetUICustomizationInput{CSS: aws.String("@import url(x.css);")}, "InvalidParameterException", "at-rules"},
		{"CSS script", cip.SetUICustomizationInput{CSS: aws.String(".logo-customizable { background: url(javascript:alert(1)); }")}, "InvalidParameterException", "script"},
		{"CSS unclosed", cip.SetUICustomizationInput{CSS: aws.String(".logo-customizable { max-width: 5%;")}, "InvalidParameterException", "not closed"},
		{"unknown client", cip.SetUICustomizationInput{ClientId: aws.String("nosuchclient1234567890abcd")}, "ResourceNotFoundException", "client"},
		{"unknown pool", cip.SetUICustomizationInput{UserPoolId: aws.String("us-east-1_nosuchpool")}, "ResourceNotFoundException", "pool"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.UserPoolId == nil {
				in.UserPoolId = aws.String(f.poolID)
			}
			_, err := c.SetUICustomization(ctx, &in)
			wantErr(t, err, tc.typ, "")
			if !strings.Contains(err.Error(), tc.in2) {
				t.Fatalf("error %v does not mention %q", err, tc.in2)
			}
		})
	}
	// The limits themselves pass.
	must(c.SetUICustomization(ctx, &cip.SetUICustomizationInput{UserPoolId: aws.String(f.poolID), ImageFile: image("png", 100<<10)}))(t)
	_, err := c.GetUICustomization(ctx, &cip.GetUICustomizationInput{UserPoolId: aws.String(f.poolID), ClientId: aws.String("nosuchclient1234567890abcd")})
	wantErr(t, err, "ResourceNotFoundException", "")
}

func settingsDoc(t *testing.T, s string) document.Interface { return asDoc(t, s) }

func testManagedLoginBranding(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	c := e.Client
	logo := image("png", 4096)
	created := must(c.CreateManagedLoginBranding(ctx, &cip.CreateManagedLoginBrandingInput{UserPoolId: aws.String(f.poolID), ClientId: aws.String(f.client),
		Settings: settingsDoc(t, `{"components":{"form":{"borderRadius":8,"logo":{"location":"CENTER"}}},"categories":{"global":{"colorSchemeMode":"LIGHT"}}}`),
		Assets: []types.AssetType{
			{Category: types.AssetCategoryTypeFormLogo, ColorMode: types.ColorSchemeModeTypeLight, Extension: types.AssetExtensionTypePng, Bytes: logo, ResourceId: aws.String("form logo")},
			{Category: types.AssetCategoryTypeFaviconIco, ColorMode: types.ColorSchemeModeTypeDynamic, Extension: types.AssetExtensionTypeIco, Bytes: image("ico", 300)},
		}}))(t).ManagedLoginBranding
	id := aws.ToString(created.ManagedLoginBrandingId)
	if id == "" || aws.ToString(created.UserPoolId) != f.poolID || created.UseCognitoProvidedValues || len(created.Assets) != 2 ||
		created.CreationDate == nil || created.LastModifiedDate == nil {
		t.Fatalf("created: %+v", created)
	}

	byID := must(c.DescribeManagedLoginBranding(ctx, &cip.DescribeManagedLoginBrandingInput{UserPoolId: aws.String(f.poolID), ManagedLoginBrandingId: aws.String(id)}))(t).ManagedLoginBranding
	byClient := must(c.DescribeManagedLoginBrandingByClient(ctx, &cip.DescribeManagedLoginBrandingByClientInput{UserPoolId: aws.String(f.poolID), ClientId: aws.String(f.client),
		ReturnMergedResources: true}))(t).ManagedLoginBranding
	for _, got := range []*types.ManagedLoginBrandingType{byID, byClient} {
		if aws.ToString(got.ManagedLoginBrandingId) != id || len(got.Assets) != 2 || !bytes.Equal(got.Assets[0].Bytes, logo) ||
			aws.ToString(got.Assets[0].ResourceId) != "form logo" || got.Assets[1].Extension != types.AssetExtensionTypeIco {
			t.Fatalf("described: %+v", got)
		}
		if s := docJSON(t, got.Settings); !regexp.MustCompile(`"borderRadius":"?8"?[,}]`).MatchString(s) || !strings.Contains(s, `"colorSchemeMode":"LIGHT"`) {
			t.Fatalf("settings: %s", s)
		}
	}

	// One style per client.
	_, err := c.CreateManagedLoginBranding(ctx, &cip.CreateManagedLoginBrandingInput{UserPoolId: aws.String(f.poolID), ClientId: aws.String(f.client), UseCognitoProvidedValues: true})
	wantErr(t, err, "ManagedLoginBrandingExistsException", "")
	other := f.secondClient(t)
	otherStyle := must(c.CreateManagedLoginBranding(ctx, &cip.CreateManagedLoginBrandingInput{UserPoolId: aws.String(f.poolID), ClientId: aws.String(other),
		UseCognitoProvidedValues: true}))(t).ManagedLoginBranding
	if !otherStyle.UseCognitoProvidedValues || otherStyle.Settings != nil || len(otherStyle.Assets) != 0 {
		t.Fatalf("Cognito-provided style: %+v", otherStyle)
	}

	// Update merges: settings object by object, assets by category and color mode.
	dark := image("png", 5000)
	updated := must(c.UpdateManagedLoginBranding(ctx, &cip.UpdateManagedLoginBrandingInput{UserPoolId: aws.String(f.poolID), ManagedLoginBrandingId: aws.String(id),
		Settings: settingsDoc(t, `{"components":{"form":{"borderRadius":4}}}`),
		Assets: []types.AssetType{
			{Category: types.AssetCategoryTypeFormLogo, ColorMode: types.ColorSchemeModeTypeLight, Extension: types.AssetExtensionTypeJpeg, Bytes: image("jpeg", 700)},
			{Category: types.AssetCategoryTypeFormLogo, ColorMode: types.ColorSchemeModeTypeDark, Extension: types.AssetExtensionTypePng, Bytes: dark},
		}}))(t).ManagedLoginBranding
	s := docJSON(t, updated.Settings)
	if !regexp.MustCompile(`"borderRadius":"?4"?[,}]`).MatchString(s) || !strings.Contains(s, `"location":"CENTER"`) || !strings.Contains(s, `"colorSchemeMode":"LIGHT"`) {
		t.Fatalf("merged settings: %s", s)
	}
	if len(updated.Assets) != 3 || updated.Assets[0].Extension != types.AssetExtensionTypeJpeg || !bytes.Equal(updated.Assets[2].Bytes, dark) {
		t.Fatalf("merged assets: %+v", updated.Assets)
	}
	again := must(c.DescribeManagedLoginBranding(ctx, &cip.DescribeManagedLoginBrandingInput{UserPoolId: aws.String(f.poolID), ManagedLoginBrandingId: aws.String(id)}))(t).ManagedLoginBranding
	if len(again.Assets) != 3 || !bytes.Equal(again.Assets[0].Bytes, image("jpeg", 700)) || !again.CreationDate.Equal(*created.CreationDate) {
		t.Fatalf("after update: %+v", again)
	}

	// UseCognitoProvidedValues resets the style.
	reset := must(c.UpdateManagedLoginBranding(ctx, &cip.UpdateManagedLoginBrandingInput{UserPoolId: aws.String(f.poolID), ManagedLoginBrandingId: aws.String(id),
		UseCognitoProvidedValues: true}))(t).ManagedLoginBranding
	if !reset.UseCognitoProvidedValues || reset.Settings != nil || len(reset.Assets) != 0 {
		t.Fatalf("reset: %+v", reset)
	}

	// Delete: gone by id and by client, and the client may have a new style.
	must(c.DeleteManagedLoginBranding(ctx, &cip.DeleteManagedLoginBrandingInput{UserPoolId: aws.String(f.poolID), ManagedLoginBrandingId: aws.String(id)}))(t)
	_, err = c.DescribeManagedLoginBranding(ctx, &cip.DescribeManagedLoginBrandingInput{UserPoolId: aws.String(f.poolID), ManagedLoginBrandingId: aws.String(id)})
	wantErr(t, err, "ResourceNotFoundException", "")
	_, err = c.DescribeManagedLoginBrandingByClient(ctx, &cip.DescribeManagedLoginBrandingByClientInput{UserPoolId: aws.String(f.poolID), ClientId: aws.String(f.client)})
	wantErr(t, err, "ResourceNotFoundException", "")
	_, err = c.DeleteManagedLoginBranding(ctx, &cip.DeleteManagedLoginBrandingInput{UserPoolId: aws.String(f.poolID), ManagedLoginBrandingId: aws.String(id)})
	wantErr(t, err, "ResourceNotFoundException", "")
	must(c.CreateManagedLoginBranding(ctx, &cip.CreateManagedLoginBrandingInput{UserPoolId: aws.String(f.poolID), ClientId: aws.String(f.client), UseCognitoProvidedValues: true}))(t)
}

func testManagedLoginBrandingValidation(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	c := e.Client
	asset := func(cat types.AssetCategoryType, mode types.ColorSchemeModeType, ext types.AssetExtensionType, b []byte) types.AssetType {
		return types.AssetType{Category: cat, ColorMode: mode, Extension: ext, Bytes: b}
	}
	png := image("png", 64)
	many := make([]types.AssetType, 41)
	for i := range many {
		many[i] = asset(types.AssetCategoryTypePageBackground, types.ColorSchemeModeTypeLight, types.AssetExtensionTypePng, png)
	}
	for _, tc := range []struct {
		name string
		in   cip.CreateManagedLoginBrandingInput
		typ  string
		part string
	}{
		{"Cognito values and settings", cip.CreateManagedLoginBrandingInput{UseCognitoProvidedValues: true, Settings: settingsDoc(t, `{"a":1}`)}, "InvalidParameterException", "UseCognitoProvidedValues"},
		{"Cognito values and assets", cip.CreateManagedLoginBrandingInput{UseCognitoProvidedValues: true,
			Assets: []types.AssetType{asset("FORM_LOGO", "LIGHT", "PNG", png)}}, "InvalidParameterException", "UseCognitoProvidedValues"},
		{"settings not an object", cip.CreateManagedLoginBrandingInput{Settings: document.NewLazyDocument([]any{1, 2})}, "InvalidParameterException", "JSON object"},
		{"41 assets", cip.CreateManagedLoginBrandingInput{Assets: many}, "InvalidParameterException", "'assets'"},
		{"unknown category", cip.CreateManagedLoginBrandingInput{Assets: []types.AssetType{asset("WALLPAPER", "LIGHT", "PNG", png)}}, "InvalidParameterException", "assets.1.member.category"},
		{"unknown color mode", cip.CreateManagedLoginBrandingInput{Assets: []types.AssetType{asset("FORM_LOGO", "SEPIA", "PNG", png)}}, "InvalidParameterException", "assets.1.member.colorMode"},
		{"unknown extension", cip.CreateManagedLoginBrandingInput{Assets: []types.AssetType{asset("FORM_LOGO", "LIGHT", "GIF", png)}}, "InvalidParameterException", "assets.1.member.extension"},
		{"bytes over 1000000", cip.CreateManagedLoginBrandingInput{Assets: []types.AssetType{asset("FORM_LOGO", "LIGHT", "PNG", image("png", 1000001))}}, "InvalidParameterException", "assets.1.member.bytes"},
		{"no bytes", cip.CreateManagedLoginBrandingInput{Assets: []types.AssetType{asset("FORM_LOGO", "LIGHT", "PNG", nil)}}, "InvalidParameterException", "Bytes is required"},
		{"bytes not the extension's", cip.CreateManagedLoginBrandingInput{Assets: []types.AssetType{asset("FORM_LOGO", "LIGHT", "PNG", image("jpeg", 64))}}, "InvalidParameterException", "not a PNG image"},
		{"favicon extension", cip.CreateManagedLoginBrandingInput{Assets: []types.AssetType{asset("FAVICON_ICO", "LIGHT", "PNG", png)}}, "InvalidParameterException", "extension ICO"},
		{"twice the same slot", cip.CreateManagedLoginBrandingInput{Assets: []types.AssetType{asset("FORM_LOGO", "DARK", "PNG", png), asset("FORM_LOGO", "DARK", "PNG", png)}},
			"InvalidParameterException", "more than one FORM_LOGO"},
		{"resource id pattern", cip.CreateManagedLoginBrandingInput{Assets: []types.AssetType{{Category: "FORM_LOGO", ColorMode: "DARK", Extension: "PNG", Bytes: png,
			ResourceId: aws.String("a/b")}}}, "InvalidParameterException", "assets.1.member.resourceId"},
		{"unknown client", cip.CreateManagedLoginBrandingInput{ClientId: aws.String("nosuchclient1234567890abcd")}, "ResourceNotFoundException", "client"},
		{"unknown pool", cip.CreateManagedLoginBrandingInput{UserPoolId: aws.String("us-east-1_nosuchpool")}, "ResourceNotFoundException", "pool"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.UserPoolId == nil {
				in.UserPoolId = aws.String(f.poolID)
			}
			if in.ClientId == nil {
				in.ClientId = aws.String(f.client)
			}
			_, err := c.CreateManagedLoginBranding(ctx, &in)
			wantErr(t, err, tc.typ, "")
			if !strings.Contains(err.Error(), tc.part) {
				t.Fatalf("error %v does not mention %q", err, tc.part)
			}
		})
	}
	// Nothing was created by the refusals.
	_, err := c.DescribeManagedLoginBrandingByClient(ctx, &cip.DescribeManagedLoginBrandingByClientInput{UserPoolId: aws.String(f.poolID), ClientId: aws.String(f.client)})
	wantErr(t, err, "ResourceNotFoundException", "")
	_, err = c.DescribeManagedLoginBranding(ctx, &cip.DescribeManagedLoginBrandingInput{UserPoolId: aws.String(f.poolID), ManagedLoginBrandingId: aws.String("not-a-uuid")})
	wantErr(t, err, "InvalidParameterException", "")
	_, err = c.DescribeManagedLoginBranding(ctx, &cip.DescribeManagedLoginBrandingInput{UserPoolId: aws.String(f.poolID),
		ManagedLoginBrandingId: aws.String("6f1c1a52-3b7e-4a8f-9d0e-2c4b5a6d7e8f")})
	wantErr(t, err, "ResourceNotFoundException", "")
}

// testManagedLoginBrandingLargeAssets: an asset of up to 1,000,000 bytes is more than one item
// holds (400 KB), so it is stored in chunks; a style's assets together hold at most 2 MiB.
func testManagedLoginBrandingLargeAssets(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	c := e.Client
	big1, big2 := image("png", 1000000), image("webp", 900000)
	created := must(c.CreateManagedLoginBranding(ctx, &cip.CreateManagedLoginBrandingInput{UserPoolId: aws.String(f.poolID), ClientId: aws.String(f.client),
		Assets: []types.AssetType{
			{Category: "PAGE_BACKGROUND", ColorMode: "LIGHT", Extension: "PNG", Bytes: big1},
			{Category: "PAGE_BACKGROUND", ColorMode: "DARK", Extension: "WEBP", Bytes: big2},
		}}))(t).ManagedLoginBranding
	got := must(c.DescribeManagedLoginBranding(ctx, &cip.DescribeManagedLoginBrandingInput{UserPoolId: aws.String(f.poolID),
		ManagedLoginBrandingId: created.ManagedLoginBrandingId}))(t).ManagedLoginBranding
	if len(got.Assets) != 2 || !bytes.Equal(got.Assets[0].Bytes, big1) || !bytes.Equal(got.Assets[1].Bytes, big2) {
		t.Fatalf("large assets did not come back whole: %d assets", len(got.Assets))
	}
	// A third large asset would take the style past 2 MiB.
	_, err := c.UpdateManagedLoginBranding(ctx, &cip.UpdateManagedLoginBrandingInput{UserPoolId: aws.String(f.poolID), ManagedLoginBrandingId: created.ManagedLoginBrandingId,
		Assets: []types.AssetType{{Category: "FORM_BACKGROUND", ColorMode: "LIGHT", Extension: "PNG", Bytes: image("png", 300000)}}})
	wantErr(t, err, "InvalidParameterException", "The assets of a branding style may hold at most 2097152 bytes together.")
	// Replacing one keeps the total in bounds, and the replaced bytes are gone from the answer.
	small := image("png", 1000)
	upd := must(c.UpdateManagedLoginBranding(ctx, &cip.UpdateManagedLoginBrandingInput{UserPoolId: aws.String(f.poolID), ManagedLoginBrandingId: created.ManagedLoginBrandingId,
		Assets: []types.AssetType{{Category: "PAGE_BACKGROUND", ColorMode: "LIGHT", Extension: "PNG", Bytes: small}}}))(t).ManagedLoginBranding
	if len(upd.Assets) != 2 || !bytes.Equal(upd.Assets[0].Bytes, small) || !bytes.Equal(upd.Assets[1].Bytes, big2) {
		t.Fatalf("after replacing the large asset: %d assets", len(upd.Assets))
	}
}
