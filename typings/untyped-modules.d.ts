// Type declarations for dependencies that ship without them (only the parts we use).

declare module "snowball-stemmers" {
  export interface Stemmer {
    stem(word: string): string;
  }
  export function newStemmer(language: string): Stemmer;
}

declare module "stopword" {
  export const rus: string[];
  export const eng: string[];
}
