// openid-client v6 from the pool's served discovery URL: authorize (PKCE S256) -> login form -> code ->
// token (ID token claims checked), the signature verified with the served JWKS (jose), userInfo, refresh,
// revoke, logout. Only the documented allowInsecureRequests option (the sandbox is http://127.0.0.1).
import * as client from "openid-client";
import * as jose from "jose";
import { args, check, done, logIn, main, step } from "./_common.mjs";

main(async () => {
  const { discovery, clientId, callback, signedOut, username, password, issuer } = args;
  const config = await client.discovery(new URL(discovery), clientId, undefined, client.None(),
    { execute: [client.allowInsecureRequests] });
  const meta = config.serverMetadata();
  check(meta.issuer === issuer, `issuer ${meta.issuer}`);
  step("discovery", meta.issuer);

  const verifier = client.randomPKCECodeVerifier();
  const challenge = await client.calculatePKCECodeChallenge(verifier);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: callback, scope: "openid email profile", code_challenge: challenge,
    code_challenge_method: "S256", state, nonce,
  });
  step("authorize", url.origin + url.pathname);
  const back = await logIn(url.href, username, password, callback);
  step("login form posted, redirected with a code");

  const tokens = await client.authorizationCodeGrant(config, new URL(back),
    { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
  const claims = tokens.claims();
  check(claims.iss === issuer && claims.aud === clientId && claims.email, `claims ${JSON.stringify(claims)}`);
  step("token (code + verifier), ID token claims validated", claims.sub);

  const jwks = jose.createRemoteJWKSet(new URL(meta.jwks_uri));
  const { payload } = await jose.jwtVerify(tokens.id_token, jwks, { issuer: meta.issuer, audience: clientId });
  check(payload.sub === claims.sub, "verified sub");
  step("ID token signature verified with jwks_uri");

  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  check(info.email === claims.email, `userinfo ${JSON.stringify(info)}`);
  step("userInfo", info.email);

  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  check(refreshed.access_token && refreshed.access_token !== tokens.access_token, "new access token");
  check(refreshed.claims().sub === claims.sub, "same subject after refresh");
  step("refresh");

  await client.tokenRevocation(config, tokens.refresh_token, { token_type_hint: "refresh_token" });
  step("revoke");
  let refused = null;
  try {
    await client.refreshTokenGrant(config, tokens.refresh_token);
  } catch (err) {
    refused = err.error || err.code || String(err);
  }
  check(refused === "invalid_grant", `refresh after revoke: ${refused}`);
  step("refresh after revoke refused", refused);

  const end = client.buildEndSessionUrl(config, { logout_uri: signedOut });
  const out = await fetch(end, { redirect: "manual" });
  check(out.status === 302 && out.headers.get("location") === signedOut, `logout ${out.status} ${out.headers.get("location")}`);
  step("logout", out.headers.get("location"));
  done();
});
