import pytest

from molmara.model.tokenizer import SPECIAL_TOKENS, TokenizeError, UnknownTokenError, Vocabulary, tokenize


def test_bracket_atoms_halogens_and_two_digit_ring_closures_are_single_tokens():
    assert tokenize("C[C@@H](Cl)c1ccc(Br)cc1") == [
        "C",
        "[C@@H]",
        "(",
        "Cl",
        ")",
        "c",
        "1",
        "c",
        "c",
        "c",
        "(",
        "Br",
        ")",
        "c",
        "c",
        "1",
    ]
    assert tokenize("C%12CC%12") == ["C", "%12", "C", "C", "%12"]
    assert tokenize("[nH]1cc[n+]([O-])c1")[:1] == ["[nH]"]
    assert "[O-]" in tokenize("[nH]1cc[n+]([O-])c1")


def test_unrecognised_characters_raise_a_named_error():
    with pytest.raises(TokenizeError, match="unrecognised characters"):
        tokenize("CC&C")


def test_encode_decode_round_trip_on_moses(moses_smiles):
    vocabulary = Vocabulary.from_smiles(moses_smiles)
    assert vocabulary.tokens[:3] == SPECIAL_TOKENS
    for smiles in moses_smiles:
        ids = vocabulary.encode(smiles)
        assert ids[0] == vocabulary.start_id and ids[-1] == vocabulary.end_id
        assert vocabulary.decode(ids) == smiles


def test_unknown_token_names_token_and_smiles():
    vocabulary = Vocabulary.from_smiles(["CCO", "c1ccccc1"])
    with pytest.raises(UnknownTokenError) as info:
        vocabulary.encode("CC[Si](C)C")
    assert info.value.token == "[Si]"
    assert "[Si]" in str(info.value) and "CC[Si](C)C" in str(info.value)
    assert vocabulary.try_encode("CC[Si](C)C") is None


def test_vocabulary_must_start_with_special_tokens():
    with pytest.raises(ValueError, match="must begin with"):
        Vocabulary(("C", "N"))
