export function embedShaders(root?: string): number;
