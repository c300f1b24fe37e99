package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/store"
)

// The web page's login. The page asks for an API key once (GET/POST
// /ui/login), stores a session (only the SHA-256 of the cookie's random
// value) and sets the cookie HttpOnly, SameSite=Strict, Path=/, Secure over
// TLS (or with auth.secure_cookie). Forms are CSRF-safe by SameSite=Strict
// plus an Origin check: every unsafe request authenticated by the session,
// and the login and logout forms themselves, must carry an Origin (or
// Referer) naming tend's own host, else 403. POST /ui/logout ends the
// session.
const sessionCookie = "tend_session"

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tend — sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#222}
input{font:inherit;width:100%;box-sizing:border-box;padding:.5rem;margin:.5rem 0}button{font:inherit;padding:.5rem 1rem}
.err{color:#a00}</style></head><body>
<h1>tend</h1>
<p>Sign in with an API key (<code>tend apikey create --name NAME --scope read</code>).</p>
{{if .Error}}<p class="err" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/ui/login">
<label for="key">API key</label>
<input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="{{.Next}}">
<button type="submit">Sign in</button>
</form></body></html>
`))

type loginData struct{ Error, Next string }

func (a *API) registerSession() {
	a.Handle("GET /ui/login", access.Public, func(w http.ResponseWriter, r *http.Request) {
		a.renderLogin(w, http.StatusOK, loginData{Next: safeNext(r.URL.Query().Get("next"))})
	})
	a.Handle("POST /ui/login", access.Public, a.login)
	a.Handle("POST /ui/logout", access.Public, a.logout)
}

func (a *API) renderLogin(w http.ResponseWriter, status int, d loginData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_ = loginPage.Execute(w, d)
}

// safeNext keeps a redirect target on this site (a path, not //host).
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (a *API) login(w http.ResponseWriter, r *http.Request) {
	if !a.sameOrigin(r) {
		WriteError(w, r, &Error{Status: http.StatusForbidden, Code: "forbidden", Message: "the login form must be posted from tend's own page (Origin or Referer of another site)"})
		return
	}
	if err := r.ParseForm(); err != nil {
		WriteError(w, r, BadRequest("key", "could not read the form: %v", err))
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	// A limited address is refused without checking the key, so that the
	// form cannot be used to guess; a person can wait.
	addr := a.clientAddr(r)
	if d := a.failLimit.wait(addr); d > 0 {
		a.metrics.authLimited.Inc()
		w.Header().Set("Retry-After", retryAfter(d))
		a.renderLogin(w, http.StatusTooManyRequests, loginData{Error: "Too many failed sign-ins from your address: try again in " + retryAfter(d) + " seconds.", Next: next})
		return
	}
	rec, err := a.keys.Verify(r.Context(), strings.TrimSpace(r.PostForm.Get("key")))
	if errors.Is(err, apikey.ErrInvalid) {
		a.metrics.authFailures.Inc()
		a.failedCredential(r, addr, "login")
		a.renderLogin(w, http.StatusUnauthorized, loginData{Error: "That API key is not valid (unknown, mistyped or revoked).", Next: next})
		return
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if !access.KeyHas(rec.Scopes, access.Read) {
		a.renderLogin(w, http.StatusForbidden, loginData{Error: "That key cannot read (it has " + strings.Join(rec.Scopes, ", ") + "): the page needs the read scope.", Next: next})
		return
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		WriteError(w, r, fmt.Errorf("create web session: %w", err))
		return
	}
	value := base64.RawURLEncoding.EncodeToString(raw[:])
	now := a.now()
	if err := a.store.Sessions().Create(r.Context(), store.Session{Hash: sessionHash(value), KeyID: rec.ID, CreatedAt: now, ExpiresAt: now.Add(a.auth.SessionTTL)}); err != nil {
		WriteError(w, r, err)
		return
	}
	_ = a.store.Sessions().DeleteExpired(r.Context(), now)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil || a.auth.SecureCookie, MaxAge: int(a.auth.SessionTTL.Seconds())})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (a *API) logout(w http.ResponseWriter, r *http.Request) {
	if !a.sameOrigin(r) {
		WriteError(w, r, &Error{Status: http.StatusForbidden, Code: "forbidden", Message: "the logout form must be posted from tend's own page (Origin or Referer of another site)"})
		return
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := a.store.Sessions().Delete(r.Context(), sessionHash(c.Value)); err != nil {
			WriteError(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil || a.auth.SecureCookie, MaxAge: -1})
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
}

func sessionHash(v string) string {
	h := sha256.Sum256([]byte(v))
	return hex.EncodeToString(h[:])
}

// sessionPrincipal is the principal of a session cookie: its key's scopes
// and accounts, as long as the session has not expired and the key has not
// been revoked.
func (a *API) sessionPrincipal(ctx context.Context, value string) (access.Principal, error) {
	invalid := fmt.Errorf("%w: the page's session has expired or was ended: sign in again at /ui/login", access.ErrInvalidCredential)
	s, err := a.store.Sessions().Get(ctx, sessionHash(value))
	if errors.Is(err, store.ErrNotFound) {
		return access.Principal{}, invalid
	}
	if err != nil {
		return access.Principal{}, err
	}
	if !a.now().Before(s.ExpiresAt) {
		return access.Principal{}, invalid
	}
	rec, err := a.keys.Lookup(ctx, s.KeyID)
	if errors.Is(err, apikey.ErrInvalid) {
		return access.Principal{}, invalid
	}
	if err != nil {
		return access.Principal{}, err
	}
	org, err := a.org(ctx)
	if err != nil {
		return access.Principal{}, err
	}
	return org.ForKey(access.ViaSession, rec.ID, rec.Name, access.KeyScopes(rec.Scopes), rec.Accounts), nil
}
