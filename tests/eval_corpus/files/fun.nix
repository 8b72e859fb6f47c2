{ a, b ? 10 }: a + b
