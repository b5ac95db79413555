// aws-jwt-verify: JwtVerifier from the served discovery document (its issuer and jwks_uri, unchanged), and
// CognitoJwtVerifier (which knows only AWS's JWKS URL) through the fetcher option it documents
// (SimpleJwksCache({fetcher})), the fetcher applying the sandbox's one addressing rule to every AWS URL.
import { CognitoJwtVerifier, JwtVerifier } from "aws-jwt-verify";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import { args, check, done, main, step } from "./_common.mjs";

main(async () => {
  const { discovery, endpoint, poolId, clientId, idToken, accessToken } = args;
  const meta = await (await fetch(discovery)).json();
  const fetched = [];
  // The one rule: https://<aws-host>/<path> is served at <endpoint>/<aws-host>/<path>.
  const fetcher = {
    async fetch(uri) {
      const served = uri.replace(/^https:\/\//, `${endpoint}/`);
      fetched.push(served);
      const r = await fetch(served);
      if (r.status !== 200) throw new Error(`JWKS ${served}: ${r.status}`);
      return r.arrayBuffer();
    },
  };
  const generic = JwtVerifier.create({ issuer: meta.issuer, audience: clientId, jwksUri: meta.jwks_uri },
    { jwksCache: new SimpleJwksCache({ fetcher }) });
  const p1 = await generic.verify(idToken);
  check(p1.token_use === "id", "id token");
  step("JwtVerifier (issuer and jwks_uri from discovery) verified the ID token", p1.sub);

  const idVerifier = CognitoJwtVerifier.create({ userPoolId: poolId, tokenUse: "id", clientId },
    { jwksCache: new SimpleJwksCache({ fetcher }) });
  const p2 = await idVerifier.verify(idToken);
  check(p2.sub === p1.sub && p2.iss === meta.issuer, "same subject and AWS issuer");
  step("CognitoJwtVerifier verified the ID token", p2.iss);

  const accessVerifier = CognitoJwtVerifier.create({ userPoolId: poolId, tokenUse: "access", clientId },
    { jwksCache: new SimpleJwksCache({ fetcher }) });
  const p3 = await accessVerifier.verify(accessToken);
  check(p3.client_id === clientId, "access token client_id");
  step("CognitoJwtVerifier verified the access token");

  const [h, b, s] = idToken.split(".");
  const forged = [h, b, s.slice(0, -4) + (s.endsWith("AAAA") ? "BBBB" : "AAAA")].join(".");
  let refusal = null;
  try { await idVerifier.verify(forged); } catch (err) { refusal = err.constructor.name; }
  check(refusal, "a forged signature is refused");
  step("forged signature refused", refusal);

  let wrongUse = null;
  try { await idVerifier.verify(accessToken); } catch (err) { wrongUse = err.constructor.name; }
  check(wrongUse, "an access token is not an ID token");
  step("access token refused as an ID token", wrongUse);
  done({ fetched });
});
