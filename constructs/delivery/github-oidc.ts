import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import type { PolicyStatement } from '../iam/grantable';

/** Issuer of the tokens GitHub Actions jobs request with `permissions: id-token: write`. */
export const GITHUB_OIDC_ISSUER = 'token.actions.githubusercontent.com';
/** The audience `aws-actions/configure-aws-credentials` asks for: the provider's only client id. */
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';

const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const GITHUB_ENVIRONMENT = /^[A-Za-z0-9_.-]{1,255}$/;
const PROVIDER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;

/** What a trust policy needs of the account's GitHub OIDC provider. */
export interface IGithubOidcProvider {
  readonly providerArn: string;
}

/**
 * The IAM OIDC provider for GitHub Actions. IAM allows one provider per issuer in an account, so
 * environments sharing an account create it once and refer to it elsewhere with {@link GithubOidcProvider.fromArn}.
 * No thumbprint: IAM verifies GitHub's certificate against its own trusted CAs.
 */
export class GithubOidcProvider extends Construct implements IGithubOidcProvider {
  readonly providerArn: string;

  /** The provider that exists in the account already, e.g. created by another environment's bootstrap stack. */
  static fromArn(providerArn: string): IGithubOidcProvider {
    if (!Token.isUnresolved(providerArn) && !PROVIDER_ARN.test(providerArn)) {
      throw new Error(
        `existingOidcProviderArn '${providerArn}' must be the ARN of the GitHub provider, arn:aws:iam::<account>:oidc-provider/${GITHUB_OIDC_ISSUER}`,
      );
    }
    return { providerArn };
  }

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const provider = new IamOpenidConnectProvider(this, 'Provider', {
      url: `https://${GITHUB_OIDC_ISSUER}`,
      clientIdList: [GITHUB_OIDC_AUDIENCE],
    });
    this.providerArn = provider.arn;
  }
}

/** `sub` of the token of a workflow run for a pull request (a job with no `environment:`). */
export function pullRequestSubject(repository: string): string {
  return `repo:${checkRepository(repository)}:pull_request`;
}

/** `sub` of the token of a job that declares `environment: <name>`, i.e. one that passed the environment's protection rules. */
export function environmentSubject(repository: string, environment: string): string {
  if (!GITHUB_ENVIRONMENT.test(environment))
    throw new Error(`GitHub environment '${environment}' must be 1-255 letters, digits, '_', '.' or '-'`);
  return `repo:${checkRepository(repository)}:environment:${environment}`;
}

/**
 * Trust statement for jobs of GitHub Actions whose token carries exactly `subject` (see {@link pullRequestSubject},
 * {@link environmentSubject}) and the STS audience. Both are `StringEquals`: a pattern would let other
 * branches, events or repositories in.
 */
export function githubActionsTrust(provider: IGithubOidcProvider, subject: string): PolicyStatement {
  if (/[*?]/.test(subject)) throw new Error(`subject '${subject}' must be exact: no '*' or '?'`);
  return {
    sid: 'GithubActions',
    effect: 'Allow',
    actions: ['sts:AssumeRoleWithWebIdentity'],
    principals: [{ type: 'Federated', identifiers: [provider.providerArn] }],
    condition: [
      { test: 'StringEquals', variable: `${GITHUB_OIDC_ISSUER}:aud`, values: [GITHUB_OIDC_AUDIENCE] },
      { test: 'StringEquals', variable: `${GITHUB_OIDC_ISSUER}:sub`, values: [subject] },
    ],
  };
}

function checkRepository(repository: string): string {
  if (!REPOSITORY.test(repository)) throw new Error(`GitHub repository '${repository}' must be owner/name`);
  return repository;
}
