# Imported by the evaluation corpus (tests/eval_corpus/*.txt).
{
  double = x: x * 2;
  name = "corpus-lib";
  nested = import ./dir/sub;
  here = ./hello.txt;
}
