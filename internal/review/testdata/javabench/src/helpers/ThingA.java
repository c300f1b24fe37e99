package org.tend.bench.helpers;

public class ThingA implements ThingInterface {

    @Override
    public String doSomething(String input) {
        if (input == null) {
            return "";
        }
        return input;
    }
}
