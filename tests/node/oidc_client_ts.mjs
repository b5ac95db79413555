// oidc-client-ts's OidcClient from the pool's served discovery URL (metadataUrl): a sign-in request (PKCE S256),
// the login form, the code exchanged and the ID token validated (processSigninResponse, which also loads
// userInfo), the signature checked with the served jwks_uri (jose), refresh (useRefreshToken), revoke
// (revokeToken), logout (createSignoutRequest). State lives in oidc-client-ts's own InMemoryWebStorage (node has
// no localStorage).
import { InMemoryWebStorage, OidcClient, WebStorageStateStore } from "oidc-client-ts";
import * as jose from "jose";
import { args, check, done, logIn, main, step } from "./_common.mjs";

main(async () => {
  const { discovery, clientId, callback, signedOut, username, password, issuer } = args;
  const oidc = new OidcClient({
    authority: issuer, metadataUrl: discovery, client_id: clientId, redirect_uri: callback,
    post_logout_redirect_uri: signedOut, response_type: "code", scope: "openid email profile", loadUserInfo: true,
    stateStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
  });
  const meta = await oidc.metadataService.getMetadata();
  check(meta.issuer === issuer, `issuer ${meta.issuer}`);
  step("metadataUrl", meta.issuer);

  const request = await oidc.createSigninRequest({ state: { app: "interop" } });
  const url = new URL(request.url);
  check(url.searchParams.get("code_challenge_method") === "S256", "PKCE S256");
  step("signin request", url.origin + url.pathname);
  const back = await logIn(request.url, username, password, callback);
  step("login form posted, redirected with a code");

  const response = await oidc.processSigninResponse(back);
  check(response.id_token && response.access_token && response.refresh_token, "tokens");
  check(response.profile.iss === issuer && response.profile.aud === clientId, `profile ${JSON.stringify(response.profile)}`);
  check(response.profile.email === "alice@example.com", "userInfo merged into the profile");
  step("processSigninResponse: code exchanged, ID token validated, userInfo loaded", response.profile.sub);

  const jwks = jose.createRemoteJWKSet(new URL(meta.jwks_uri));
  await jose.jwtVerify(response.id_token, jwks, { issuer, audience: clientId });
  step("ID token signature verified with jwks_uri");

  const refreshed = await oidc.useRefreshToken({
    // the fields of oidc-client-ts's RefreshState (what a User object carries; the class is not exported)
    state: { refresh_token: response.refresh_token, id_token: response.id_token, session_state: null,
      scope: response.scope, profile: response.profile },
  });
  check(refreshed.access_token && refreshed.access_token !== response.access_token, "new access token");
  step("useRefreshToken");

  await oidc.revokeToken(response.refresh_token, "refresh_token");
  step("revokeToken");
  let refused = null;
  try {
    await oidc.useRefreshToken({ state: { refresh_token: response.refresh_token, session_state: null,
      profile: response.profile } });
  } catch (err) {
    refused = err.error || err.message;
  }
  check(refused === "invalid_grant", `refresh after revoke: ${refused}`);
  step("refresh after revoke refused", refused);

  const signout = await oidc.createSignoutRequest({ extraQueryParams: { client_id: clientId, logout_uri: signedOut } });
  const out = await fetch(signout.url, { redirect: "manual" });
  check(out.status === 302 && out.headers.get("location") === signedOut, `logout ${out.status} ${out.headers.get("location")}`);
  step("logout", out.headers.get("location"));
  done();
});
