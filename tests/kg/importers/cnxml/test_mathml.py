"""MathML → linear text (kg.importers.cnxml.mathml). Each formula is copied verbatim from
*Calculus Volume 1* (``data/curricula/openstax-calculus-volume-1``, module and line given),
except where a test says it is made up to show one rule."""
from __future__ import annotations

import pytest
from lxml import etree

from kg.importers.cnxml import Renderer, math_text

MATHML = 'xmlns:m="http://www.w3.org/1998/Math/MathML"'


def m(body: str) -> str:
    return math_text(etree.fromstring(f"<m:math {MATHML}>{body}</m:math>"))


# m53479 line 348: "Prove the trigonometric identity ..." (a power written on a function name)
COT_IDENTITY = ('<m:mrow><m:mn>1</m:mn><m:mo>+</m:mo><m:msup><m:mrow><m:mtext>cot</m:mtext></m:mrow>'
                '<m:mn>2</m:mn></m:msup><m:mi>θ</m:mi><m:mo>=</m:mo><m:msup><m:mrow><m:mtext>csc</m:mtext>'
                '</m:mrow><m:mn>2</m:mn></m:msup><m:mi>θ</m:mi><m:mo>.</m:mo></m:mrow>')


def test_power_on_a_function_name():
    assert m(COT_IDENTITY) == "1 + cot²θ = csc²θ."


def test_function_names_as_mi_are_spaced_from_their_argument():
    # m53478 line 430: <mi>sin</mi><mi>x</mi> was "sinx,cosx,...,and cscx."
    body = ('<m:mrow><m:mi>sin</m:mi><m:mi>x</m:mi><m:mo>,</m:mo><m:mi>cos</m:mi><m:mi>x</m:mi><m:mo>,</m:mo>'
            '<m:mi>tan</m:mi><m:mi>x</m:mi><m:mo>,</m:mo><m:mi>cot</m:mi><m:mi>x</m:mi><m:mo>,</m:mo><m:mi>sec</m:mi>'
            '<m:mi>x</m:mi><m:mo>,</m:mo><m:mtext>and</m:mtext><m:mspace width="0.2em"/><m:mi>csc</m:mi><m:mi>x</m:mi>'
            '<m:mo>.</m:mo></m:mrow>')
    assert m(body) == "sin x, cos x, tan x, cot x, sec x, and csc x."


def test_subscripted_function_name():
    # m53481 line 677: log_e was glued to its argument ("log_ex")
    body = ('<m:mrow><m:mi>y</m:mi><m:mo>=</m:mo><m:mtext>ln</m:mtext><m:mspace width="0.1em"/><m:mi>x</m:mi>'
            '<m:mo>=</m:mo><m:msub><m:mrow><m:mtext>log</m:mtext></m:mrow><m:mi>e</m:mi></m:msub><m:mi>x</m:mi>'
            '<m:mo>.</m:mo></m:mrow>')
    assert m(body) == "y = ln x = log_e x."


@pytest.mark.parametrize("body, text", [
    # made up: the same identity written with FUNCTION APPLICATION (&#x2061;), as MathML
    # editors write it (the OpenStax books use an mspace instead)
    ('<m:mrow><m:mi>sin</m:mi><m:mo>&#x2061;</m:mo><m:mi>x</m:mi></m:mrow>', "sin x"),
    ('<m:mrow><m:mi>sin</m:mi><m:mo>&#x2061;</m:mo><m:mrow><m:mo>(</m:mo><m:mi>π</m:mi><m:mi>x</m:mi>'
     '<m:mo>)</m:mo></m:mrow></m:mrow>', "sin(πx)"),
    ('<m:mrow><m:msup><m:mi>cot</m:mi><m:mn>2</m:mn></m:msup><m:mo>&#x2061;</m:mo><m:mi>θ</m:mi></m:mrow>',
     "cot²θ"),
    ('<m:mrow><m:mi>f</m:mi><m:mo>&#x2061;</m:mo><m:mrow><m:mo>(</m:mo><m:mi>x</m:mi><m:mo>)</m:mo></m:mrow>'
     '<m:mo>&#x2062;</m:mo><m:mi>g</m:mi></m:mrow>', "f(x)g"),
])
def test_function_application(body, text):
    assert m(body) == text


def test_integral_fraction_and_absolute_value():
    # m54049 line 40: was "∫cot^3u du = − 1/2cot^2u − ln |sin u| + C"
    body = ('<m:mrow><m:mstyle displaystyle="true"><m:mrow><m:mo stretchy="false">∫</m:mo><m:mrow><m:msup>'
            '<m:mrow><m:mtext>cot</m:mtext></m:mrow><m:mn>3</m:mn></m:msup><m:mi>u</m:mi><m:mspace width="0.2em"/>'
            '<m:mi>d</m:mi><m:mi>u</m:mi><m:mo>=</m:mo><m:mo>−</m:mo><m:mfrac><m:mn>1</m:mn><m:mn>2</m:mn></m:mfrac>'
            '<m:msup><m:mrow><m:mtext>cot</m:mtext></m:mrow><m:mn>2</m:mn></m:msup><m:mi>u</m:mi><m:mo>−</m:mo>'
            '</m:mrow></m:mrow></m:mstyle><m:mtext>ln</m:mtext><m:mspace width="0.1em"/><m:mrow><m:mo>|</m:mo>'
            '<m:mrow><m:mtext>sin</m:mtext><m:mspace width="0.2em"/><m:mi>u</m:mi></m:mrow><m:mo>|</m:mo></m:mrow>'
            '<m:mo>+</m:mo><m:mi>C</m:mi></m:mrow>')
    assert m(body) == "∫cot³u du = −1/2 cot²u − ln |sin u| + C"


def test_fraction_next_to_a_function_name():
    # m54049 line 34: was "1/2u + 1/4sin 2u"
    body = ('<m:mrow><m:mstyle displaystyle="true"><m:mrow><m:mo stretchy="false">∫</m:mo><m:mrow><m:msup><m:mrow>'
            '<m:mtext>cos</m:mtext></m:mrow><m:mn>2</m:mn></m:msup><m:mi>u</m:mi><m:mspace width="0.2em"/><m:mi>d</m:mi>'
            '<m:mi>u</m:mi><m:mo>=</m:mo><m:mfrac><m:mn>1</m:mn><m:mn>2</m:mn></m:mfrac><m:mi>u</m:mi><m:mo>+</m:mo>'
            '</m:mrow></m:mrow></m:mstyle><m:mfrac><m:mn>1</m:mn><m:mn>4</m:mn></m:mfrac><m:mtext>sin</m:mtext>'
            '<m:mspace width="0.2em"/><m:mn>2</m:mn><m:mi>u</m:mi><m:mo>+</m:mo><m:mi>C</m:mi></m:mrow>')
    assert m(body) == "∫cos²u du = 1/2 u + 1/4 sin 2u + C"


def test_limit_is_spaced_from_what_it_governs():
    # m53619 line 63: was "lim_(x → 1)(sin(πx))/(ln x)"
    body = ('<m:mrow><m:munder><m:mrow><m:mtext>lim</m:mtext></m:mrow><m:mrow><m:mi>x</m:mi><m:mo stretchy="false">→'
            '</m:mo><m:mn>1</m:mn></m:mrow></m:munder><m:mfrac><m:mrow><m:mtext>sin</m:mtext><m:mrow><m:mo>(</m:mo>'
            '<m:mrow><m:mi>π</m:mi><m:mi>x</m:mi></m:mrow><m:mo>)</m:mo></m:mrow></m:mrow><m:mrow><m:mtext>ln</m:mtext>'
            '<m:mspace width="0.1em"/><m:mi>x</m:mi></m:mrow></m:mfrac></m:mrow>')
    assert m(body) == "lim_(x → 1) (sin(πx))/(ln x)"


def test_aligned_equations_read_as_one_line_per_row():
    # m53578 line 99: a prime on g, powers, fractions whose parts are products; was
    # "g^′(x), = (−4x^2sin x − 8x cos x)/(16x^4); , = (−x sin x − 2 cos x)/(4x^3)."
    body = ('<m:mtable><m:mtr><m:mtd columnalign="right"><m:msup><m:mi>g</m:mi><m:mo>′</m:mo></m:msup><m:mrow><m:mo>('
            '</m:mo><m:mi>x</m:mi><m:mo>)</m:mo></m:mrow></m:mtd><m:mtd columnalign="left"><m:mo>=</m:mo><m:mfrac><m:mrow>'
            '<m:mn>−4</m:mn><m:msup><m:mi>x</m:mi><m:mn>2</m:mn></m:msup><m:mtext>sin</m:mtext><m:mspace width="0.1em"/>'
            '<m:mi>x</m:mi><m:mo>−</m:mo><m:mn>8</m:mn><m:mi>x</m:mi><m:mspace width="0.1em"/><m:mtext>cos</m:mtext>'
            '<m:mspace width="0.1em"/><m:mi>x</m:mi></m:mrow><m:mrow><m:mn>16</m:mn><m:msup><m:mi>x</m:mi><m:mn>4</m:mn>'
            '</m:msup></m:mrow></m:mfrac></m:mtd></m:mtr><m:mtr><m:mtd/><m:mtd columnalign="left"><m:mo>=</m:mo><m:mfrac>'
            '<m:mrow><m:mtext>−</m:mtext><m:mi>x</m:mi><m:mspace width="0.1em"/><m:mtext>sin</m:mtext><m:mspace '
            'width="0.1em"/><m:mi>x</m:mi><m:mo>−</m:mo><m:mn>2</m:mn><m:mspace width="0.1em"/><m:mtext>cos</m:mtext>'
            '<m:mspace width="0.1em"/><m:mi>x</m:mi></m:mrow><m:mrow><m:mn>4</m:mn><m:msup><m:mi>x</m:mi><m:mn>3</m:mn>'
            '</m:msup></m:mrow></m:mfrac><m:mo>.</m:mo></m:mtd></m:mtr></m:mtable>')
    assert m(body) == "g′(x) = (−4x² sin x − 8x cos x)/(16x⁴); = (−x sin x − 2 cos x)/(4x³)."


def test_aligned_cells_with_the_relation_alone():
    # m53479 line 351, the solution of the cot/csc identity. The source itself has no function
    # names in it (1 + θ = 1 + θ/θ ...); what is there reads as equations, not "θ, =, ...".
    body = ('<m:mtable columnalign="right center left"><m:mtr><m:mtd><m:mn>1</m:mn><m:mo>+</m:mo><m:mi>θ</m:mi></m:mtd>'
            '<m:mtd><m:mo>=</m:mo></m:mtd><m:mtd><m:mn>1</m:mn><m:mo>+</m:mo><m:mfrac><m:mi>θ</m:mi><m:mi>θ</m:mi>'
            '</m:mfrac></m:mtd></m:mtr><m:mtr><m:mtd/><m:mtd><m:mo>=</m:mo></m:mtd><m:mtd><m:mfrac><m:mn>1</m:mn>'
            '<m:mi>θ</m:mi></m:mfrac></m:mtd></m:mtr></m:mtable>')
    assert m(body) == "1 + θ = 1 + θ/θ; = 1/θ"


def test_matrix_keeps_its_cells_apart():
    body = ('<m:mtable><m:mtr><m:mtd><m:mn>1</m:mn></m:mtd><m:mtd><m:mn>2</m:mn></m:mtd></m:mtr>'
            '<m:mtr><m:mtd><m:mn>3</m:mn></m:mtd><m:mtd><m:mi>x</m:mi></m:mtd></m:mtr></m:mtable>')
    assert m(body) == "1, 2; 3, x"


@pytest.mark.parametrize("body, text", [
    # a square root over a compound radicand, a power inside (m53480 line 623)
    ('<m:mrow><m:mi>f</m:mi><m:mrow><m:mo>(</m:mo><m:mi>x</m:mi><m:mo>)</m:mo></m:mrow><m:mo>=</m:mo><m:msqrt>'
     '<m:mrow><m:mn>4</m:mn><m:mo>−</m:mo><m:msup><m:mi>x</m:mi><m:mn>2</m:mn></m:msup></m:mrow></m:msqrt></m:mrow>',
     "f(x) = √(4 − x²)"),
    # a power that is not digits stays ^(...); a negative power is Unicode
    ('<m:msup><m:mi>e</m:mi><m:mrow><m:mn>5</m:mn><m:mtext>ln</m:mtext><m:mspace width="0.1em"/><m:mi>x</m:mi>'
     '</m:mrow></m:msup>', "e^(5 ln x)"),
    ('<m:msup><m:mi>f</m:mi><m:mrow><m:mo>−</m:mo><m:mn>1</m:mn></m:mrow></m:msup>', "f⁻¹"),
    # a numerator that is a sign and a number, a denominator that is a bracket with a power
    ('<m:mfrac><m:mrow><m:mo>−</m:mo><m:mn>2</m:mn></m:mrow><m:msup><m:mrow><m:mo>(</m:mo><m:mi>x</m:mi>'
     '<m:mo>−</m:mo><m:mn>1</m:mn><m:mo>)</m:mo></m:mrow><m:mn>2</m:mn></m:msup></m:mfrac>', "−2/(x − 1)²"),
    # an interval: a comma is followed by a space; a sign after a relation is closed up
    ('<m:mrow><m:mi>θ</m:mi><m:mo>=</m:mo><m:mo>−</m:mo><m:mfrac><m:mi>π</m:mi><m:mn>3</m:mn></m:mfrac>'
     '<m:mo>,</m:mo><m:mi>x</m:mi><m:mo>∈</m:mo><m:mrow><m:mo>[</m:mo><m:mi>a</m:mi><m:mo>,</m:mo><m:mi>b</m:mi>'
     '<m:mo>]</m:mo></m:mrow></m:mrow>', "θ = −π/3, x ∈ [a, b]"),
    # made up: a thousands separator split over tokens stays one number
    ('<m:mrow><m:mi>s</m:mi><m:mo>=</m:mo><m:mtext>$</m:mtext><m:mn>521</m:mn><m:mo>,</m:mo><m:mn>130.41</m:mn>'
     '</m:mrow>', "s = $521,130.41"),
    # a word in mtext is spaced on its letter side only ("x-axis", m53631 line 123)
    ('<m:mrow><m:mtext>Area below the</m:mtext><m:mspace width="0.2em"/><m:mi>x</m:mi><m:mtext>-axis</m:mtext>'
     '</m:mrow>', "Area below the x-axis"),
    # a bare sum stays closed up; with limits it is spaced (m53631 line 123)
    ('<m:mrow><m:mo>∑</m:mo><m:mi>x</m:mi></m:mrow>', "∑x"),
    ('<m:mrow><m:munderover><m:mo>∑</m:mo><m:mrow><m:mi>i</m:mi><m:mo>=</m:mo><m:mn>1</m:mn></m:mrow><m:mn>8</m:mn>'
     '</m:munderover><m:mrow><m:mi>f</m:mi><m:mrow><m:mo>(</m:mo><m:msub><m:mi>x</m:mi><m:mi>i</m:mi></m:msub>'
     '<m:mo>)</m:mo></m:mrow></m:mrow></m:mrow>', "∑_(i = 1)^8 f(x_i)"),
])
def test_scripts_fractions_and_separators(body, text):
    assert m(body) == text


def test_renderer_writes_math_inside_a_sentence():
    para = etree.fromstring('<para xmlns="http://cnx.rice.edu/cnxml" xmlns:m="http://www.w3.org/1998/Math/MathML">'
                            f'Prove the trigonometric identity <m:math>{COT_IDENTITY}</m:math></para>')
    assert Renderer().text(para) == "Prove the trigonometric identity 1 + cot²θ = csc²θ."


@pytest.mark.parametrize("body, text", [
    # m53650 (Integrals, Exponential Functions, and Logarithms): a product in an exponent
    # was "e^3x" (e³ times x?); now bracketed
    ('<m:msup><m:mi>e</m:mi><m:mrow><m:mn>3</m:mn><m:mi>x</m:mi></m:mrow></m:msup>', "e^(3x)"),
    # m53635 "g(t) = 2e^0.02t" and m53481 "A(t) = Pe^rt" (as they read before)
    ('<m:mrow><m:mn>2</m:mn><m:msup><m:mi>e</m:mi><m:mrow><m:mn>0.02</m:mn><m:mi>t</m:mi></m:mrow></m:msup></m:mrow>',
     "2e^(0.02t)"),
    ('<m:mrow><m:mi>P</m:mi><m:msup><m:mi>e</m:mi><m:mrow><m:mi>r</m:mi><m:mi>t</m:mi></m:mrow></m:msup></m:mrow>',
     "Pe^(rt)"),
    # one letter or one number stays bare
    ('<m:msup><m:mi>e</m:mi><m:mi>x</m:mi></m:msup>', "e^x"),
    ('<m:msup><m:mn>4</m:mn><m:mi>π</m:mi></m:msup>', "4^π"),
    # a power over a power is bracketed: e^(x²), never e^x²
    ('<m:msup><m:mi>e</m:mi><m:msup><m:mi>x</m:mi><m:mn>2</m:mn></m:msup></m:msup>', "e^(x²)"),
    # m53632 (FTC): an upper limit that is a product, was "∫_x^2x"
    ('<m:mrow><m:munderover><m:mo>∫</m:mo><m:mi>x</m:mi><m:mrow><m:mn>2</m:mn><m:mi>x</m:mi></m:mrow></m:munderover>'
     '<m:msup><m:mi>t</m:mi><m:mn>3</m:mn></m:msup><m:mi>d</m:mi><m:mi>t</m:mi></m:mrow>', "∫_x^(2x) t³dt"),
    # m53634 (substitution): a one-letter script is spaced from the letter after it, was "e^udu"
    ('<m:mrow><m:msup><m:mi>e</m:mi><m:mi>u</m:mi></m:msup><m:mi>d</m:mi><m:mi>u</m:mi></m:mrow>', "e^u du"),
    # roots: a cube root is ∛ (m53621 "43√x" was 4∛x), a compound radicand (m53478 "√2x"), a compound radicand bracketed
    ('<m:mroot><m:mi>x</m:mi><m:mn>3</m:mn></m:mroot>', "∛x"),
    ('<m:mrow><m:mn>4</m:mn><m:mroot><m:mi>x</m:mi><m:mn>3</m:mn></m:mroot></m:mrow>', "4∛x"),
    ('<m:mroot><m:mrow><m:mi>x</m:mi><m:mo>+</m:mo><m:mn>1</m:mn></m:mrow><m:mn>4</m:mn></m:mroot>', "∜(x + 1)"),
    ('<m:mroot><m:mi>x</m:mi><m:mi>n</m:mi></m:mroot>', "ⁿ√x"),
    ('<m:mroot><m:mi>x</m:mi><m:mi>k</m:mi></m:mroot>', "x^(1/k)"),
    ('<m:msqrt><m:mn>2</m:mn><m:mi>x</m:mi></m:msqrt>', "√(2x)"),
    ('<m:msqrt><m:msup><m:mi>x</m:mi><m:mn>2</m:mn></m:msup></m:msqrt>', "√(x²)"),
    ('<m:msqrt><m:mn>9.1</m:mn></m:msqrt>', "√9.1"),
    # m53649 (moments): an over-bar drawn as an en dash is a bar, was "x^–"
    ('<m:mover><m:mi>x</m:mi><m:mo>–</m:mo></m:mover>', "x̄"),
])
def test_exponents_and_roots_are_bracketed_when_compound(body, text):
    assert m(body) == text


# Introductory Statistics 2e (data/curricula/openstax-introductory-statistics-2e): the normal
# density. A judge read "e^((– (x – μ))/(2σ²)²)" (the square on the denominator) in quiz items.
NORMAL_PDF_M47036 = (  # m47036 line 291, f(x) with U+2212 minus signs
    '<m:mrow><m:mi>f</m:mi><m:mo stretchy="false">(</m:mo><m:mi>x</m:mi><m:mo stretchy="false">)</m:mo><m:mo>=</m:mo>'
    '<m:mo> </m:mo><m:mfrac><m:mn>1</m:mn><m:mrow><m:mi>σ</m:mi><m:msqrt><m:mrow><m:mn>2</m:mn><m:mi>π</m:mi></m:mrow>'
    '</m:msqrt></m:mrow></m:mfrac><m:msup><m:mi>e</m:mi><m:mrow><m:mfrac><m:mrow><m:mo>−</m:mo><m:msup><m:mrow>'
    '<m:mo stretchy="false">(</m:mo><m:mi>x</m:mi><m:mo>−</m:mo><m:mi>μ</m:mi><m:mo stretchy="false">)</m:mo></m:mrow>'
    '<m:mn>2</m:mn></m:msup></m:mrow><m:mrow><m:mn>2</m:mn><m:msup><m:mi>σ</m:mi><m:mn>2</m:mn></m:msup></m:mrow></m:mfrac>'
    '</m:mrow></m:msup></m:mrow>')
NORMAL_PDF_M46992 = (  # m46992 line 2250: en dashes as minus signs, a bracket as mtext
    '<m:mrow><m:mi>f</m:mi><m:mo stretchy="false">(</m:mo><m:mi>x</m:mi><m:mo stretchy="false">)</m:mo>'
    '<m:mtext> = </m:mtext><m:mfrac><m:mn>1</m:mn><m:mrow><m:mi>σ</m:mi><m:msqrt><m:mrow><m:mn>2</m:mn><m:mi>π</m:mi>'
    '</m:mrow></m:msqrt></m:mrow></m:mfrac><m:mo> </m:mo><m:msup><m:mi>e</m:mi><m:mrow><m:mfrac><m:mrow><m:mo>–</m:mo>'
    '<m:msup><m:mrow><m:mtext>(</m:mtext><m:mi>x</m:mi><m:mtext> </m:mtext><m:mo>–</m:mo><m:mtext> </m:mtext><m:mi>μ</m:mi>'
    '<m:mo stretchy="false">)</m:mo></m:mrow><m:mn>2</m:mn></m:msup></m:mrow><m:mrow><m:mn>2</m:mn><m:msup><m:mi>σ</m:mi>'
    '<m:mn>2</m:mn></m:msup></m:mrow></m:mfrac></m:mrow></m:msup></m:mrow>')
NORMAL_PDF_M46977 = (  # m46977 lines 25 and 79 (the glossary): the source squares the whole fraction
    '<m:mrow><m:mfrac><m:mn>1</m:mn><m:mrow><m:mi>σ</m:mi><m:msqrt><m:mrow><m:mn>2</m:mn><m:mi>π</m:mi></m:mrow></m:msqrt>'
    '</m:mrow></m:mfrac><m:msup><m:mrow><m:mtext> e</m:mtext></m:mrow><m:mrow><m:msup><m:mrow><m:mfrac><m:mrow>'
    '<m:mo>–</m:mo><m:mo stretchy="false">(</m:mo><m:mi>x</m:mi><m:mtext> </m:mtext><m:mo>–</m:mo><m:mtext> </m:mtext>'
    '<m:mo>μ</m:mo><m:mo stretchy="false">)</m:mo></m:mrow><m:mrow><m:mn>2</m:mn><m:msup><m:mi>σ</m:mi><m:mn>2</m:mn>'
    '</m:msup></m:mrow></m:mfrac></m:mrow><m:mn>2</m:mn></m:msup></m:mrow></m:msup></m:mrow>')


@pytest.mark.parametrize("body, text", [
    # a signed numerator is bare (−a/b is −(a/b)); en dashes read as U+2212 minus signs
    (NORMAL_PDF_M47036, "f(x) = 1/(σ√(2π)) e^(−(x − μ)²/(2σ²))"),
    (NORMAL_PDF_M46992, "f(x) = 1/(σ√(2π)) e^(−(x − μ)²/(2σ²))"),
    # a script on a fraction takes the whole fraction, as printed (the source's own slip:
    # the square is on −(x − μ)/(2σ²)); was "e^((– (x – μ))/(2σ²)²)", the square on 2σ²
    (NORMAL_PDF_M46977, "1/(σ√(2π)) e^((−(x − μ)/(2σ²))²)"),
    # m46959 line 643: a number typed with an en dash, was "(–12)/3"
    ('<m:mfrac><m:mn>–12</m:mn><m:mn>3</m:mn></m:mfrac>', "−12/3"),
    # m46922 line 816: a spaced en dash inside text is a minus, was "(value – mean)/…"
    ('<m:mrow><m:mo>#</m:mo><m:mi>o</m:mi><m:mi>f</m:mi><m:mi>S</m:mi><m:mi>T</m:mi><m:mi>D</m:mi><m:mi>E</m:mi>'
     '<m:mi>V</m:mi><m:mi>s</m:mi><m:mo>=</m:mo><m:mfrac><m:mrow><m:mtext>value\u00a0–\u00a0mean</m:mtext></m:mrow>'
     '<m:mrow><m:mtext>standard\u00a0deviation</m:mtext></m:mrow></m:mfrac></m:mrow>',
     "#ofSTDEVs = (value − mean)/(standard deviation)"),
])
def test_normal_density_and_minus_signs(body, text):
    assert m(body) == text


@pytest.mark.parametrize("body, text", [
    # Calculus Volume 1, m53478 line 324: a hyphen drawn as an operator, was "√(4 - x²)"
    ('<m:mi>f</m:mi><m:mo>(</m:mo><m:mi>x</m:mi><m:mo>)</m:mo><m:mo>=</m:mo><m:msqrt><m:mn>4</m:mn><m:mo>-</m:mo>'
     '<m:msup><m:mi>x</m:mi><m:mn>2</m:mn></m:msup></m:msqrt>', "f(x) = √(4 − x²)"),
    # m53596 line 23: a hyphen before ∞ closed up as a sign, was "lim_(x → -∞)"
    ('<m:mrow><m:munder><m:mrow><m:mtext>lim</m:mtext></m:mrow><m:mrow><m:mi>x</m:mi><m:mo stretchy="false">→</m:mo>'
     '<m:mo>-</m:mo><m:mi>∞</m:mi></m:mrow></m:munder><m:mi>f</m:mi><m:mrow><m:mo>(</m:mo><m:mi>x</m:mi><m:mo>)</m:mo>'
     '</m:mrow><m:mo>=</m:mo><m:mn>2</m:mn><m:mo>.</m:mo></m:mrow>', "lim_(x → −∞) f(x) = 2."),
    # m53489 line 225: a one-sided limit keeps its base bare; "−" as mtext is a sign
    ('<m:mrow><m:munder><m:mrow><m:mtext>lim</m:mtext></m:mrow><m:mrow><m:mi>x</m:mi><m:mo stretchy="false">→</m:mo>'
     '<m:msup><m:mn>−1</m:mn><m:mo>−</m:mo></m:msup></m:mrow></m:munder><m:mfrac><m:mrow><m:mi>x</m:mi><m:mo>+</m:mo>'
     '<m:mn>2</m:mn></m:mrow><m:mrow><m:mi>x</m:mi><m:mo>+</m:mo><m:mn>1</m:mn></m:mrow></m:mfrac><m:mo>=</m:mo>'
     '<m:mtext>−</m:mtext><m:mi>∞</m:mi></m:mrow>', "lim_(x → −1⁻) (x + 2)/(x + 1) = −∞"),
    # m53581 line 751: a script on a row of tokens stays as printed (7x², not (7x)²)
    ('<m:mrow><m:mi>k</m:mi><m:mrow><m:mo>(</m:mo><m:mi>x</m:mi><m:mo>)</m:mo></m:mrow><m:mo>=</m:mo><m:msup><m:mrow>'
     '<m:mtext>cos</m:mtext></m:mrow><m:mn>4</m:mn></m:msup><m:mrow><m:mo>(</m:mo><m:mrow><m:msup><m:mrow><m:mn>7</m:mn>'
     '<m:mi>x</m:mi></m:mrow><m:mrow><m:mn>2</m:mn></m:mrow></m:msup><m:mo>+</m:mo><m:mn>1</m:mn></m:mrow><m:mo>)</m:mo>'
     '</m:mrow><m:mo>.</m:mo></m:mrow>', "k(x) = cos⁴(7x² + 1)."),
    # made up: a script on a root or on a fraction in a row takes it whole; a denominator
    # with a sign stays bracketed; closed-up dashes in text stay ("x-axis", "1643–1727")
    ('<m:msup><m:msqrt><m:mi>x</m:mi></m:msqrt><m:mn>2</m:mn></m:msup>', "(√x)²"),
    ('<m:msub><m:mrow><m:mn>2</m:mn><m:mfrac><m:mi>a</m:mi><m:mi>b</m:mi></m:mfrac></m:mrow><m:mi>i</m:mi></m:msub>',
     "(2 a/b)_i"),
    ('<m:mfrac><m:mn>1</m:mn><m:mrow><m:mo>−</m:mo><m:mi>x</m:mi></m:mrow></m:mfrac>', "1/(−x)"),
    ('<m:mrow><m:mi>x</m:mi><m:mtext>-axis (1643–1727)</m:mtext></m:mrow>', "x-axis (1643–1727)"),
])
def test_minus_signs_and_scripted_bases(body, text):
    assert m(body) == text
