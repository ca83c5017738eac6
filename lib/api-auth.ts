import { CfnOutput, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { stackOutputs } from '../lambdas/shared/constants';
import type { ApiAuthSettings } from './api-settings';
import type { JwtTrust } from './image-api';

/**
 * The identity provider the API trusts: the issuer and audience given by context, or, without them,
 * a Cognito user pool and app client of this stack, with what a client needs as outputs.
 */
export class ApiIdentity extends Construct {
  readonly trust: JwtTrust;
  readonly userPool?: cognito.UserPool;
  readonly userPoolClient?: cognito.UserPoolClient;

  constructor(scope: Construct, id: string, props: { auth: ApiAuthSettings; removalPolicy: RemovalPolicy }) {
    super(scope, id);
    const { auth } = props;
    if (auth.jwtIssuer !== undefined) {
      this.trust = { issuer: auth.jwtIssuer, audience: auth.jwtAudience };
      new CfnOutput(Stack.of(this), stackOutputs.jwtIssuer, { value: auth.jwtIssuer });
      return;
    }
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      // Users are invited by an administrator: an open sign-up would let anyone upload.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
      },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { sms: false, otp: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      removalPolicy: props.removalPolicy,
    });
    this.userPoolClient = this.userPool.addClient('AppClient', {
      // A browser or CLI app: no secret it could keep.
      generateSecret: false,
      authFlows: { userSrp: true },
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      preventUserExistenceErrors: true,
      // Tokens come from the SRP sign-in, not a hosted login page: no OAuth flows, no callback URLs.
      disableOAuth: true,
    });
    const issuer = `https://cognito-idp.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${this.userPool.userPoolId}`;
    this.trust = { issuer, audience: [this.userPoolClient.userPoolClientId] };
    new CfnOutput(Stack.of(this), stackOutputs.jwtIssuer, { value: issuer });
    new CfnOutput(Stack.of(this), stackOutputs.userPoolId, { value: this.userPool.userPoolId });
    new CfnOutput(Stack.of(this), stackOutputs.userPoolClientId, {
      value: this.userPoolClient.userPoolClientId,
    });
  }
}
